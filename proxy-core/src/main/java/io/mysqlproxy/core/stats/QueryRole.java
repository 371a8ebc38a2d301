package io.mysqlproxy.core.stats;

import io.mysqlproxy.core.topology.BackendRole;

import java.util.Locale;

/** Who served a statement: the primary, a replica, or the proxy itself (its admin statements). */
public enum QueryRole {
    PRIMARY,
    REPLICA,
    PROXY;

    private static final QueryRole[] ALL = values();

    public static QueryRole of(BackendRole role) {
        return role == BackendRole.PRIMARY ? PRIMARY : REPLICA;
    }

    static QueryRole at(int ordinal) {
        return ALL[ordinal];
    }

    /** The lower-case name used in SHOW PROXY QUERIES, /queries and metric labels. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package io.mysqlproxy.core.topology;

/** What a backend is for: the primary takes writes, replicas serve reads. */
public enum BackendRole {
    PRIMARY,
    REPLICA;

    /** The lower-case name used in metrics labels, JSON and SQL output. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package io.mysqlproxy.core.config;

import java.util.Locale;

/** How a read picks among the usable replicas. */
public enum Balancer {
    /** The replica with the fewest requests in flight (ties broken in turn). */
    LEAST_OUTSTANDING,
    /** Each replica in turn. */
    ROUND_ROBIN,
    /** At random, in proportion to each replica's configured weight. */
    WEIGHTED;

    public static Balancer parse(String text) {
        try {
            return valueOf(text.trim().replace('-', '_').toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "must be least-outstanding, round-robin or weighted, got '" + text + "'", e);
        }
    }
}

package io.mysqlproxy.core.route;

/** Where a statement goes, before a particular server is chosen. */
public enum RouteTarget {
    /** The primary. */
    PRIMARY,
    /** Any usable replica (the balancer picks one; the primary if none is usable). */
    REPLICA,
    /** The backend holding the session's open transaction. */
    TRANSACTION,
    /** The backend that ran the session's previous statement (its warnings, FOUND_ROWS, ROW_COUNT). */
    PREVIOUS,
    /** The backend holding the prepared statement's open cursor or long data. */
    STATEMENT;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

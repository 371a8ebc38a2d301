package io.mysqlproxy.core.session;

import java.util.Locale;

/**
 * How read-your-writes asks a server about GTIDs: which position a session's write reached on
 * the primary, and whether a replica has applied it yet (waiting up to a timeout). MariaDB keeps
 * the session's own last GTID in {@code @@last_gtid}; MySQL has no such variable, so the
 * primary's whole executed set is used, which covers the session's write and may only wait a
 * little longer.
 */
enum GtidDialect {
    MARIADB("SELECT @@last_gtid", "SELECT MASTER_GTID_WAIT('%s', %s)", "0"),
    MYSQL("SELECT @@GLOBAL.gtid_executed", "SELECT WAIT_FOR_EXECUTED_GTID_SET('%s', %s)", "0");

    private final String positionQuery;
    private final String waitQuery;
    private final String applied;

    GtidDialect(String positionQuery, String waitQuery, String applied) {
        this.positionQuery = positionQuery;
        this.waitQuery = waitQuery;
        this.applied = applied;
    }

    static GtidDialect of(String serverVersion) {
        return serverVersion.toLowerCase(Locale.ROOT).contains("mariadb") ? MARIADB : MYSQL;
    }

    /** Asks the primary for the position that covers the session's last write. */
    String positionQuery() {
        return positionQuery;
    }

    /** Asks a replica to wait until it has applied {@code gtid}, at most {@code timeoutMillis}. */
    String waitQuery(String gtid, long timeoutMillis) {
        String seconds = String.format(Locale.ROOT, "%d.%03d", timeoutMillis / 1000, timeoutMillis % 1000);
        return waitQuery.formatted(gtid.replace("\\", "\\\\").replace("'", "''"), seconds);
    }

    /** Whether the wait's result says the replica has the position. */
    boolean applied(String result) {
        return applied.equals(result);
    }
}

package io.mysqlproxy.core.health;

import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.Writability;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One backend's check over JDBC, with the monitor account: {@code SELECT 1} and
 * {@code @@read_only} on every server; on a replica, its replication threads and lag from
 * {@code SHOW ALL SLAVES STATUS} (MariaDB) or {@code SHOW REPLICA STATUS} (MySQL), where a NULL
 * lag means replication is broken, never "no lag" — except while the proxy cannot reach the
 * primary either: a replica whose IO thread is only waiting for the lost primary, with its SQL
 * thread running, has everything it can have, and keeps serving reads. The connection is kept
 * between checks and reopened after a failure. Runs on the monitor's threads only.
 */
final class BackendProbe implements AutoCloseable {

    private final Backend backend;
    private final HealthSettings settings;
    private final Supplier<Duration> maxReplicationLag;
    private final BooleanSupplier primaryUnreachable;
    private Connection connection;
    private Boolean mariaDb;

    /** {@code primaryUnreachable}: whether the proxy's own last check of the primary failed. */
    BackendProbe(
            Backend backend,
            HealthSettings settings,
            Supplier<Duration> maxReplicationLag,
            BooleanSupplier primaryUnreachable) {
        this.backend = backend;
        this.settings = settings;
        this.maxReplicationLag = maxReplicationLag;
        this.primaryUnreachable = primaryUnreachable;
    }

    CheckResult check() {
        try {
            Connection c = connection();
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout(seconds(settings.timeout().toMillis()));
                Writability writability;
                try (ResultSet rs = s.executeQuery("SELECT 1, @@global.read_only")) {
                    rs.next();
                    writability = rs.getBoolean(2) ? Writability.READ_ONLY : Writability.WRITABLE;
                }
                // A read-only primary still serves reads; whether it may take writes is decided
                // across all backends (PrimaryIdentification), not by this check.
                return backend.role() == BackendRole.PRIMARY
                        ? CheckResult.healthy(-1, writability)
                        : replication(s, writability);
            }
        } catch (SQLException e) {
            close();
            return CheckResult.unreachable(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private CheckResult replication(Statement s, Writability writability) throws SQLException {
        String query = mariaDb ? "SHOW ALL SLAVES STATUS" : "SHOW REPLICA STATUS";
        try (ResultSet rs = s.executeQuery(query)) {
            if (!rs.next()) {
                return CheckResult.failed("not replicating (" + query + " is empty)", writability);
            }
            String io = rs.getString(mariaDb ? "Slave_IO_Running" : "Replica_IO_Running");
            String sql = rs.getString(mariaDb ? "Slave_SQL_Running" : "Replica_SQL_Running");
            long lag = rs.getLong(mariaDb ? "Seconds_Behind_Master" : "Seconds_Behind_Source");
            boolean lagUnknown = rs.wasNull();
            if (!"Yes".equalsIgnoreCase(io) && "Yes".equalsIgnoreCase(sql) && primaryUnreachable.getAsBoolean()) {
                return CheckResult.healthy(-1, writability);
            }
            if (!"Yes".equalsIgnoreCase(io) || !"Yes".equalsIgnoreCase(sql)) {
                return CheckResult.failed(
                        "replication stopped (IO thread " + io + ", SQL thread " + sql + ")", writability);
            }
            if (lagUnknown) {
                return CheckResult.failed("replication lag unknown (Seconds_Behind_Master is NULL)", writability);
            }
            long max = maxReplicationLag.get().toSeconds();
            return lag > max ? CheckResult.lagging(lag, max, writability) : CheckResult.healthy(lag, writability);
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = MonitorConnection.open(settings, backend.address(), "mysql-proxy-health");
            if (mariaDb == null) {
                mariaDb = MonitorConnection.mariaDb(connection);
            }
        }
        return connection;
    }

    private static int seconds(long millis) {
        return (int) Math.max(1, (millis + 999) / 1000);
    }

    @Override
    public void close() {
        if (connection != null) {
            MonitorConnection.closeQuietly(connection);
            connection = null;
        }
    }
}

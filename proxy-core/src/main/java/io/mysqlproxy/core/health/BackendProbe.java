package io.mysqlproxy.core.health;

import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * One backend's check over JDBC, with the monitor account: {@code SELECT 1} and
 * {@code @@read_only} on every server; on a replica, its replication threads and lag from
 * {@code SHOW ALL SLAVES STATUS} (MariaDB) or {@code SHOW REPLICA STATUS} (MySQL), where a NULL
 * lag means replication is broken, never "no lag". The connection is kept between checks and
 * reopened after a failure. Runs on the monitor's threads only.
 */
final class BackendProbe implements AutoCloseable {

    private final Backend backend;
    private final HealthSettings settings;
    private Connection connection;
    private Boolean mariaDb;

    BackendProbe(Backend backend, HealthSettings settings) {
        this.backend = backend;
        this.settings = settings;
    }

    CheckResult check() {
        try {
            Connection c = connection();
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout(seconds(settings.timeout().toMillis()));
                boolean readOnly;
                try (ResultSet rs = s.executeQuery("SELECT 1, @@global.read_only")) {
                    rs.next();
                    readOnly = rs.getBoolean(2);
                }
                if (backend.role() == BackendRole.PRIMARY) {
                    return readOnly ? CheckResult.failed("the primary is read-only (read_only = ON)")
                            : CheckResult.healthy(-1);
                }
                return replication(s);
            }
        } catch (SQLException e) {
            close();
            return CheckResult.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private CheckResult replication(Statement s) throws SQLException {
        String query = mariaDb ? "SHOW ALL SLAVES STATUS" : "SHOW REPLICA STATUS";
        try (ResultSet rs = s.executeQuery(query)) {
            if (!rs.next()) {
                return CheckResult.failed("not replicating (" + query + " is empty)");
            }
            String io = rs.getString(mariaDb ? "Slave_IO_Running" : "Replica_IO_Running");
            String sql = rs.getString(mariaDb ? "Slave_SQL_Running" : "Replica_SQL_Running");
            long lag = rs.getLong(mariaDb ? "Seconds_Behind_Master" : "Seconds_Behind_Source");
            boolean lagUnknown = rs.wasNull();
            if (!"Yes".equalsIgnoreCase(io) || !"Yes".equalsIgnoreCase(sql)) {
                return CheckResult.failed("replication stopped (IO thread " + io + ", SQL thread " + sql + ")");
            }
            if (lagUnknown) {
                return CheckResult.failed("replication lag unknown (Seconds_Behind_Master is NULL)");
            }
            long max = settings.maxReplicationLag().toSeconds();
            return lag > max ? CheckResult.lagging(lag, max) : CheckResult.healthy(lag);
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Properties properties = new Properties();
            properties.setProperty("user", settings.user());
            properties.setProperty("password", settings.password());
            int timeoutMillis = (int) settings.timeout().toMillis();
            properties.setProperty("connectTimeout", String.valueOf(timeoutMillis));
            properties.setProperty("socketTimeout", String.valueOf(timeoutMillis));
            properties.setProperty("sslMode", "PREFERRED");
            properties.setProperty("allowPublicKeyRetrieval", "true");
            properties.setProperty("connectionAttributes", "program_name:mysql-proxy-health");
            connection = DriverManager.getConnection("jdbc:mysql://" + backend.address().host() + ":"
                    + backend.address().port() + "/", properties);
            if (mariaDb == null) {
                mariaDb = connection.getMetaData().getDatabaseProductVersion().toLowerCase().contains("mariadb");
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
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Closing a broken connection: nothing to do.
            }
            connection = null;
        }
    }
}

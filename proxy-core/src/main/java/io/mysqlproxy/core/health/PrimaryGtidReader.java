package io.mysqlproxy.core.health;

import io.mysqlproxy.core.topology.Backend;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Supplier;

/**
 * Reads the current primary's GTID position over JDBC with the monitor account, for global
 * consistency: MariaDB's {@code @@GLOBAL.gtid_binlog_pos} (the last GTID the primary logged in every
 * replication domain, the list {@code MASTER_GTID_WAIT} takes) or MySQL's
 * {@code @@GLOBAL.gtid_executed} (the set {@code WAIT_FOR_EXECUTED_GTID_SET} takes). The connection is
 * kept between lookups, and reopened after a failure or when another backend becomes the primary.
 * Runs on the lookup thread of {@link PrimaryPositions} only.
 */
public final class PrimaryGtidReader implements PrimaryPositions.Source {

    private final Supplier<Backend> primary;
    private final HealthSettings settings;
    private Connection connection;
    private Backend connectedTo;
    private String query;

    /** {@code primary}: the primary of the topology in force. */
    public PrimaryGtidReader(Supplier<Backend> primary, HealthSettings settings) {
        this.primary = primary;
        this.settings = settings;
    }

    @Override
    public String read() throws SQLException {
        if (settings.user().isBlank()) {
            throw new SQLException("global consistency reads the primary's position with the monitor account, "
                    + "and mysql-proxy.monitor.user is empty");
        }
        Backend current = primary.get();
        if (!current.equals(connectedTo)) {
            close();
        }
        try {
            Connection c = connection(current);
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(query)) {
                rs.next();
                String position = rs.getString(1);
                return position == null ? "" : position;
            }
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    private Connection connection(Backend current) throws SQLException {
        if (connection == null) {
            connection = MonitorConnection.open(settings, current.address(), "mysql-proxy-position");
            connectedTo = current;
            query = MonitorConnection.mariaDb(connection)
                    ? "SELECT @@GLOBAL.gtid_binlog_pos"
                    : "SELECT @@GLOBAL.gtid_executed";
        }
        return connection;
    }

    @Override
    public void close() {
        if (connection != null) {
            MonitorConnection.closeQuietly(connection);
            connection = null;
            connectedTo = null;
        }
    }
}

package io.mysqlproxy.core.accounts;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.health.HealthSettings;
import io.mysqlproxy.core.health.MonitorConnection;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reads the primary's accounts with the monitor account. MySQL: {@code mysql.user} (needs SELECT on
 * it). MariaDB 10.4+: {@code mysql.global_priv}, whose JSON {@code Priv} holds plugin,
 * authentication_string, account_locked and password_last_changed (0: expired); roles ({@code
 * is_role}) are left out; needs SELECT on mysql.global_priv (mysql.user is a view over it without
 * account_locked). The JSON booleans are compared as JSON_EXTRACT's text: JSON_VALUE turns {@code
 * true} into 1. The authentication string travels as BINARY and is read as bytes: MySQL's caching_sha2
 * strings hold raw salt bytes that a character set conversion would change, and no String (which would
 * outlive the read in the heap) ever holds a stored hash. The connection is kept between reads and
 * made again after a failure. Blocking: used on the refresher's own thread only.
 */
final class AccountReader implements AutoCloseable {

    static final String MYSQL_QUERY = "SELECT User, Host, plugin, CAST(authentication_string AS BINARY),"
            + " account_locked = 'Y', password_expired = 'Y' FROM mysql.user";
    static final String MARIADB_QUERY = "SELECT User, Host, JSON_VALUE(Priv, '$.plugin'),"
            + " CAST(JSON_VALUE(Priv, '$.authentication_string') AS BINARY),"
            + " COALESCE(JSON_EXTRACT(Priv, '$.account_locked') = 'true', FALSE),"
            + " COALESCE(JSON_VALUE(Priv, '$.password_last_changed') = '0', FALSE)"
            + " FROM mysql.global_priv WHERE COALESCE(JSON_EXTRACT(Priv, '$.is_role'), 'false') <> 'true'";
    /** What MariaDB assumes of an account whose Priv names no plugin. */
    private static final String MARIADB_DEFAULT_PLUGIN = "mysql_native_password";

    private final HealthSettings monitor;
    private final Supplier<HostPort> primary;
    private Connection connection;
    /** Where {@link #connection} goes: a read after the primary moved connects again. */
    private HostPort connectedTo;

    private boolean mariaDb;

    /** {@code primary}: where the primary is now (asked at each read, so a promoted one is read). */
    AccountReader(HealthSettings monitor, Supplier<HostPort> primary) {
        this.monitor = monitor;
        this.primary = primary;
    }

    List<ServerAccount> read() throws SQLException {
        try {
            HostPort now = primary.get();
            if (connection != null && !now.equals(connectedTo)) {
                close(); // a switchover: the old primary's accounts may be stale
            }
            if (connection == null) {
                connection = MonitorConnection.open(monitor, now, "mysql-proxy-accounts");
                connectedTo = now;
                mariaDb = MonitorConnection.mariaDb(connection);
            }
            List<ServerAccount> accounts = new ArrayList<>();
            try (Statement s = connection.createStatement();
                    ResultSet rs = s.executeQuery(mariaDb ? MARIADB_QUERY : MYSQL_QUERY)) {
                while (rs.next()) {
                    String plugin = rs.getString(3);
                    byte[] authenticationString = rs.getBytes(4);
                    accounts.add(new ServerAccount(
                            rs.getString(1),
                            rs.getString(2),
                            plugin == null || plugin.isEmpty() ? MARIADB_DEFAULT_PLUGIN : plugin,
                            authenticationString == null ? new byte[0] : authenticationString,
                            rs.getBoolean(5),
                            rs.getBoolean(6)));
                }
            }
            return accounts;
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            MonitorConnection.closeQuietly(connection);
            connection = null;
        }
    }
}

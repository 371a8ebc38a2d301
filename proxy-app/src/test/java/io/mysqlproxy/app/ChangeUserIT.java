package io.mysqlproxy.app;

import com.mysql.cj.jdbc.JdbcConnection;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * COM_CHANGE_USER through the proxy: a fresh server session for the new login, or 1045 and a
 * closed connection. Connector/J is the client; against the MariaDB 10.x test bed it can only use
 * mysql_native_password (see ProxyFixture.NATIVE_PASSWORD_APP).
 */
@ExtendWith(TestBedExtension.class)
class ChangeUserIT {

    @ParameterizedTest
    @ValueSource(strings = {"mysql_native_password"})
    void changeUserStartsAFreshSession(String plugin, ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, users(plugin));
                Connection c = proxy.connect("sslMode=REQUIRED")) {
            long before = serverConnectionId(c);
            try (Statement s = c.createStatement()) {
                s.execute("SET @carried = 'old session'");
            }
            ((JdbcConnection) c).changeUser(DbAccount.APP.user(), DbAccount.APP.password());
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT @carried, CURRENT_USER()")) {
                assertTrue(rs.next());
                assertNull(rs.getString(1), "user variables must not survive COM_CHANGE_USER");
                assertTrue(rs.getString(2).startsWith("app@"), rs.getString(2));
            }
            // Under transaction multiplexing the connection may be the same one, reset: the variable above says
            // the session is new; without it the old connection goes back to be reset and a new one is opened.
            assertTrue(
                    ProxyFixture.multiplexingTransactions() || serverConnectionId(c) != before,
                    "a new backend session was expected");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mysql_native_password"})
    void wrongPasswordIsRefusedAndTheConnectionCloses(String plugin, ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, users(plugin));
                Connection c = proxy.connect("sslMode=REQUIRED")) {
            SQLException refused = assertThrows(
                    SQLException.class, () -> ((JdbcConnection) c).changeUser(DbAccount.APP.user(), "wrong"));
            assertEquals(1045, refused.getErrorCode(), refused.getMessage());
            assertThrows(SQLException.class, () -> {
                try (Statement s = c.createStatement()) {
                    s.executeQuery("SELECT 1");
                }
            });
            try (Connection other = proxy.connect("sslMode=REQUIRED");
                    Statement s = other.createStatement();
                    ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "other sessions keep working");
            }
        }
    }

    private static String users(String plugin) {
        return "mysql-proxy.users = [ { name = app, password = app-secret, auth-plugin = " + plugin + " } ]";
    }

    private static long serverConnectionId(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + ServerThreadId.EXPRESSION + " /* route=primary */")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

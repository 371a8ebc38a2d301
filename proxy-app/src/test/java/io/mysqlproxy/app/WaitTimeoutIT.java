package io.mysqlproxy.app;

import com.mysql.cj.jdbc.JdbcConnection;
import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session's wait_timeout, set by the client or taken from interactive-timeout for an interactive
 * client, ends it as the server itself would: each scenario's outcome through the proxy is held to
 * what the bed's primary does to the same steps on a direct connection. On the wire MySQL sends
 * error 4031 (sequence id 0) and closes, MariaDB just closes; Connector/J, which writes its next
 * statement before it reads, reports a lost connection (08S01) either way, on the server as through
 * the proxy.
 */
@ExtendWith(TestBedExtension.class)
class WaitTimeoutIT {

    private static final int ER_CLIENT_INTERACTION_TIMEOUT = 4031;
    /** Past a 1 s wait_timeout, with room for the server's own check. */
    private static final Duration PAST_ONE_SECOND = Duration.ofMillis(2500);

    /** What a client sees on its first statement after idling past its wait_timeout. */
    private record Outcome(int errorCode, String sqlState, boolean closedAfterwards) {}

    @Test
    void setWaitTimeoutEndsTheSessionAsTheServerDoes(ReplicatedTestBed bed) throws Exception {
        Outcome direct;
        try (Connection c = ProxyFixture.connectDirect(bed, "")) {
            direct = idlePastShortWaitTimeout(c, "SET wait_timeout = 1");
        }
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP);
                Connection c = proxy.connect("")) {
            assertEquals(direct, idlePastShortWaitTimeout(c, "SET SESSION wait_timeout = 1"));
        }
    }

    /** What a bare client finds waiting after its wait_timeout, packet for packet, is the server's own. */
    @Test
    void theFarewellIsTheServersByteForByte(ReplicatedTestBed bed) throws Exception {
        try (Connection c = ProxyFixture.connectDirect(bed, "")) {
            // A full login, so that the server's caching_sha2_password cache lets the bare client in.
            assertTrue(c.isValid(5));
        }
        List<String> direct;
        try (RawClient client = new RawClient(bed.primary().port())) {
            int answer = bed.flavour() == ServerFlavour.MYSQL
                    ? client.loginCachingSha2(DbAccount.APP.user(), DbAccount.APP.password(), "app")
                    : client.login(DbAccount.APP.user(), DbAccount.APP.password(), "app");
            assertEquals(0x00, answer);
            direct = farewell(client);
        }
        if (bed.flavour() == ServerFlavour.MYSQL) {
            assertEquals(1, direct.size(), "one ERR packet: " + direct);
            assertTrue(direct.get(0).startsWith("00ff" + "bf0f"), "4031, sequence id 0: " + direct);
        } else {
            assertEquals(List.of(), direct, "MariaDB closes without a packet");
        }
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP);
                RawClient client = new RawClient(proxy.port())) {
            assertEquals(0x00, client.login(DbAccount.APP.user(), DbAccount.APP.password(), "app"));
            assertEquals(direct, farewell(client));
        }
    }

    /**
     * Inside a transaction the server closes the transaction's connection for the same replayed
     * wait_timeout a moment before the proxy's timer: the client still gets the expiry, not a lost backend.
     */
    @Test
    void aHeldConnectionClosedByTheSameWaitTimeoutStillEndsTheSessionAsTheServerDoes(ReplicatedTestBed bed)
            throws Exception {
        Outcome direct;
        try (Connection c = ProxyFixture.connectDirect(bed, "")) {
            direct = idlePastShortWaitTimeout(c, "SET wait_timeout = 1", "BEGIN", "SELECT COUNT(*) FROM mysql.user");
        }
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP);
                Connection c = proxy.connect("")) {
            assertEquals(
                    direct,
                    idlePastShortWaitTimeout(c, "SET wait_timeout = 1", "BEGIN", "SELECT COUNT(*) FROM mysql.user"));
        }
    }

    @Test
    void aLongerWaitTimeoutKeepsTheSessionPastTheConfiguredOne(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(
                        bed, ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.client.idle-timeout = 1s");
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.execute("SET wait_timeout = 60");
            Awaits.pace(PAST_ONE_SECOND, "idle past the configured idle timeout, within the session's own");
            assertEquals(1, selectOne(s));
            s.execute("SET wait_timeout = DEFAULT");
            Awaits.pace(PAST_ONE_SECOND, "idle past the configured idle timeout again");
            assertFalse(c.isValid(5), "DEFAULT is the configured idle timeout");
        }
    }

    /**
     * An {@code @@global.} prefix names the scope of its own variable only: the unscoped assignment after it is
     * the session's, as the primary shows first (MySQL and MariaDB parse it so), and the session ends after it.
     */
    @Test
    void anAtAtGlobalPrefixDoesNotCarryOverToTheNextAssignment(ReplicatedTestBed bed) throws Exception {
        String admin = "wt_global_admin";
        String password = "admin-secret";
        long maxConnections;
        long globalWaitTimeout;
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute("DROP USER IF EXISTS '" + admin + "'@'%'");
            s.execute("CREATE USER '" + admin + "'@'%' IDENTIFIED BY '" + password + "'");
            s.execute("GRANT ALL PRIVILEGES ON *.* TO '" + admin + "'@'%'");
            try (ResultSet rs = s.executeQuery("SELECT @@global.max_connections, @@global.wait_timeout")) {
                assertTrue(rs.next());
                maxConnections = rs.getLong(1);
                globalWaitTimeout = rs.getLong(2);
            }
        }
        String set = "SET @@global.max_connections = " + maxConnections + ", wait_timeout = 1";
        String directUrl = ProxyFixture.url(bed.primary().port(), ReplicatedTestBed.APP_DATABASE, "");
        try {
            try (Connection c = DriverManager.getConnection(directUrl, admin, password);
                    Statement s = c.createStatement()) {
                s.execute(set);
                assertEquals(1, waitTimeout(s), "the server gives the unscoped assignment to the session");
                try (ResultSet rs = s.executeQuery("SELECT @@global.wait_timeout")) {
                    assertTrue(rs.next());
                    assertEquals(globalWaitTimeout, rs.getLong(1), "and not to the server");
                }
            }
            Outcome direct;
            try (Connection c = DriverManager.getConnection(directUrl, admin, password)) {
                direct = idlePastShortWaitTimeout(c, set);
            }
            assertNotEquals(new Outcome(0, null, false), direct, "the server ends the session");
            try (ProxyFixture proxy = ProxyFixture.start(
                            bed,
                            "mysql-proxy.users = [ { name = " + admin + ", password = " + password
                                    + ", auth-plugin = mysql_native_password } ]");
                    Connection c = proxy.connect(admin, password, "")) {
                // The SELECT shows the SET left the session working: only the idle time ends it.
                assertEquals(direct, idlePastShortWaitTimeout(c, set, "SELECT 1"));
            }
        } finally {
            try (Connection root = bed.primary().connectAsRoot();
                    Statement s = root.createStatement()) {
                s.execute("DROP USER IF EXISTS '" + admin + "'@'%'");
            }
        }
    }

    @Test
    void aFailedSetKeepsTheTimeoutItHad(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP);
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            SQLException refused =
                    assertThrows(SQLException.class, () -> s.execute("SET wait_timeout = 1, no_such_variable = 1"));
            assertNotEquals(ER_CLIENT_INTERACTION_TIMEOUT, refused.getErrorCode());
            Awaits.pace(PAST_ONE_SECOND, "idle past the wait_timeout the failed SET named");
            assertEquals(1, selectOne(s));
        }
    }

    @Test
    void anInteractiveClientGetsTheInteractiveTimeout(ReplicatedTestBed bed) throws Exception {
        Outcome direct;
        try (Connection c = ProxyFixture.connectDirect(bed, "")) {
            direct = idlePastShortWaitTimeout(c, "SET wait_timeout = 1");
        }
        try (ProxyFixture proxy = ProxyFixture.start(
                        bed, ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.client.interactive-timeout = 1s");
                Connection interactive = proxy.connect("interactiveClient=true");
                Connection batch = proxy.connect("")) {
            assertEquals(direct, idlePastShortWaitTimeout(interactive));
            try (Statement s = batch.createStatement()) {
                assertEquals(1, selectOne(s), "a client that is not interactive keeps the idle timeout");
            }
        }
    }

    /**
     * After COM_RESET_CONNECTION an interactive client's wait_timeout is what the server gives it:
     * MySQL the interactive value of the login again, MariaDB the global wait_timeout. Which one the
     * bed's primary gives is read from it directly, with the two globals set apart for a moment.
     */
    @Test
    void anInteractiveClientsResetGivesTheTimeoutTheServerGives(ReplicatedTestBed bed) throws Exception {
        boolean resetGivesInteractive;
        try (Connection root = bed.primary().connectAsRoot();
                Statement globals = root.createStatement()) {
            globals.execute("SET GLOBAL interactive_timeout = 111, GLOBAL wait_timeout = 222");
            try (Connection c = ProxyFixture.connectDirect(bed, "interactiveClient=true");
                    Statement s = c.createStatement()) {
                s.execute("SET wait_timeout = 5");
                c.unwrap(JdbcConnection.class).resetServerState();
                long afterReset = waitTimeout(s);
                assertTrue(afterReset == 111 || afterReset == 222, "one of the two: " + afterReset);
                resetGivesInteractive = afterReset == 111;
            } finally {
                globals.execute("SET GLOBAL interactive_timeout = DEFAULT, GLOBAL wait_timeout = DEFAULT");
            }
        }
        try (ProxyFixture proxy = ProxyFixture.start(
                        bed,
                        ProxyFixture.NATIVE_PASSWORD_APP
                                + "\nmysql-proxy.client.idle-timeout = 1s"
                                + "\nmysql-proxy.client.interactive-timeout = 60s");
                Connection c = proxy.connect("interactiveClient=true");
                Statement s = c.createStatement()) {
            s.execute("SET wait_timeout = 5");
            c.unwrap(JdbcConnection.class).resetServerState();
            Awaits.pace(PAST_ONE_SECOND, "idle past the idle timeout, within the interactive one");
            assertEquals(resetGivesInteractive, c.isValid(5), "the interactive timeout after the reset");
        }
    }

    /** A connection given back to its pool does not keep the short wait_timeout its session set. */
    @Test
    void aPooledConnectionDoesNotKeepTheSessionsWaitTimeout(ReplicatedTestBed bed) throws Exception {
        long serverDefault;
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement s = c.createStatement()) {
            serverDefault = waitTimeout(s);
        }
        try (ProxyFixture proxy = ProxyFixture.start(
                bed,
                ProxyFixture.NATIVE_PASSWORD_APP
                        + "\nmysql-proxy.backends.pool.return-after-idle = 200ms"
                        + "\nmysql-proxy.backends.pool.max-idle-per-key = 1")) {
            try (Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                s.execute("SET wait_timeout = 3");
                assertEquals(3, waitTimeout(s));
                Awaits.within(Duration.ofSeconds(10), "the idle session gives its connections back")
                        .until(() -> inUse(proxy) == 0);
            }
            try (Connection other = proxy.connect("");
                    Statement s = other.createStatement()) {
                assertEquals(serverDefault, waitTimeout(s));
            }
        }
    }

    /** Sets a 1 s wait_timeout, then reads until the connection closes: each packet as hex, header included. */
    private static List<String> farewell(RawClient client) throws IOException {
        assertEquals(0x00, client.command(comQuery("SET wait_timeout = 1")).get(0)[0]);
        List<String> packets = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] frame;
            try {
                frame = client.readFrame();
            } catch (SocketException e) {
                // MariaDB may end an idle connection with a reset rather than a close: gone either way.
                return packets;
            }
            if (frame == null) {
                return packets;
            }
            packets.add(HexFormat.of().formatHex(frame).substring(6));
        }
        throw new AssertionError("the connection stayed open: " + packets);
    }

    private static byte[] comQuery(String sql) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[text.length + 1];
        payload[0] = 0x03;
        System.arraycopy(text, 0, payload, 1, text.length);
        return payload;
    }

    private static Outcome idlePastShortWaitTimeout(Connection c, String... statements) throws Exception {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
            Awaits.pace(PAST_ONE_SECOND, "idle past a 1 s wait_timeout");
            try {
                selectOne(s);
                return new Outcome(0, null, false);
            } catch (SQLException e) {
                return new Outcome(e.getErrorCode(), e.getSQLState(), !c.isValid(5));
            }
        }
    }

    private static int selectOne(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    /** Backend connections borrowed by sessions: open ones neither idle in a pool nor being reset. */
    private static int inUse(ProxyFixture proxy) {
        int inUse = 0;
        for (Backend backend : proxy.server().runtime().topology().all()) {
            BackendPool pool = proxy.server().runtime().pool(backend);
            inUse += pool.openConnections() - pool.idleConnections();
        }
        return inUse;
    }

    private static long waitTimeout(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT @@session.wait_timeout")) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }
}

package io.mysqlproxy.app;

import com.mysql.cj.jdbc.JdbcConnection;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KILL through the proxy names proxy connection ids (the greeting's, the only ones clients know): the proxy
 * answers it itself, killing its own sessions and cancelling their statements on the backends, and never passes
 * the number to a server, where it would name one of the server's threads, possibly another client's.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides(ProxyFixture.NATIVE_PASSWORD_APP)
class KillIT {

    private static final int ER_NO_SUCH_THREAD = 1094;
    private static final int ER_CONNECTION_KILLED = 1927;
    private static final int COM_PROCESS_KILL = 0x0c;
    private static final int COM_PING = 0x0e;

    @Test
    void aQueryTimeoutCancelsTheStatementOnItsBackendAndTheConnectionStaysUsable(ProxyFixture proxy)
            throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.setQueryTimeout(1);
            long start = System.nanoTime();
            // Connector/J sends KILL QUERY <greeting id> on a second connection, through the proxy.
            assertThrows(SQLTimeoutException.class, () -> s.executeQuery("SELECT SLEEP(5)"));
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(elapsed.compareTo(Duration.ofMillis(3500)) < 0, "the statement ran " + elapsed);
            s.setQueryTimeout(0);
            for (int i = 0; i < 5; i++) {
                assertEquals(i, longValue(s, "SELECT " + i), "statement " + i + " after the timeout");
            }
        }
    }

    @Test
    void killOfAnotherSessionClosesItAndNoServerThreadIsKilled(ProxyFixture proxy, ReplicatedTestBed bed)
            throws SQLException {
        try (Connection bystander = ProxyFixture.connectDirect(bed, "");
                Connection victim = proxy.connect("");
                Connection killer = proxy.connect("");
                Statement b = bystander.createStatement();
                Statement v = victim.createStatement();
                Statement k = killer.createStatement()) {
            long bystanderThread = longValue(b, "SELECT CONNECTION_ID()");
            long victimId = proxyId(victim);
            assertEquals(1, longValue(v, "SELECT 1"));

            k.execute("KILL " + victimId);
            assertThrows(SQLException.class, () -> longValue(v, "SELECT 1"), "the killed session is closed");
            assertFalse(victim.isValid(5));

            // A server's thread id is no proxy session: the proxy refuses it rather than sending it on.
            if (bystanderThread != victimId && bystanderThread != proxyId(killer)) {
                SQLException e = assertThrows(SQLException.class, () -> k.execute("KILL " + bystanderThread));
                assertEquals(ER_NO_SUCH_THREAD, e.getErrorCode(), e.getMessage());
            }
            assertEquals(bystanderThread, longValue(b, "SELECT CONNECTION_ID()"), "the direct client is untouched");
            assertEquals(1, longValue(k, "SELECT 1"), "the killer goes on");
        }
    }

    @Test
    void killOfASessionMidStatementSendsItConnectionKilledAndStopsTheStatement(
            ProxyFixture proxy, ReplicatedTestBed bed) throws Exception {
        String sleep = "SELECT SLEEP(30) /* route=primary */";
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Connection victim = proxy.connect("");
                Connection killer = proxy.connect("");
                Statement k = killer.createStatement()) {
            Future<Long> running = executor.submit(() -> {
                try (Statement v = victim.createStatement()) {
                    return longValue(v, sleep);
                }
            });
            awaitRunning(bed.primary(), sleep, true);
            long start = System.nanoTime();
            k.execute("KILL CONNECTION " + proxyId(victim));
            ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(10, TimeUnit.SECONDS));
            SQLException error = assertInstanceOf(SQLException.class, e.getCause());
            assertEquals(ER_CONNECTION_KILLED, error.getErrorCode(), error.getMessage());
            assertEquals("70100", error.getSQLState());
            // Closing the backend connection alone would leave the server sleeping on.
            awaitRunning(bed.primary(), sleep, false);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(elapsed.compareTo(Duration.ofSeconds(10)) < 0, "the statement stopped after " + elapsed);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void killQueryOfAnIdleSessionIsAnsweredAndChangesNothing(ProxyFixture proxy) throws SQLException {
        try (Connection idle = proxy.connect("");
                Connection killer = proxy.connect("");
                Statement i = idle.createStatement();
                Statement k = killer.createStatement()) {
            k.execute("KILL QUERY " + proxyId(idle));
            assertEquals(7, longValue(i, "SELECT 7"));
        }
    }

    @Test
    void killOfAnUnknownIdIsUnknownThread(ProxyFixture proxy) throws Exception {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            for (String kill : new String[] {"KILL 999999", "KILL QUERY 999999", "KILL CONNECTION 999999"}) {
                SQLException e = assertThrows(SQLException.class, () -> s.execute(kill), kill);
                assertEquals(ER_NO_SUCH_THREAD, e.getErrorCode(), kill + ": " + e.getMessage());
                assertEquals("HY000", e.getSQLState(), kill);
                assertTrue(e.getMessage().contains("999999"), e.getMessage());
            }
            assertEquals(1, longValue(s, "SELECT 1"));
        }
        // COM_PROCESS_KILL names a connection the same way.
        try (RawClient client = new RawClient(proxy.port())) {
            assertEquals(
                    0, client.login(DbAccount.APP.user(), DbAccount.APP.password(), ReplicatedTestBed.APP_DATABASE));
            client.sendRaw(RawClient.frame(0, new byte[] {COM_PROCESS_KILL, 0x3f, 0x42, 0x0f, 0}));
            byte[] error = client.readFrame();
            assertNotNull(error);
            assertEquals(0xff, error[4] & 0xff, "an ERR packet");
            assertEquals(ER_NO_SUCH_THREAD, (error[5] & 0xff) | (error[6] & 0xff) << 8);
            client.sendRaw(RawClient.frame(0, new byte[] {COM_PING}));
            byte[] ok = client.readFrame();
            assertNotNull(ok);
            assertEquals(0, ok[4], "the session goes on");
        }
    }

    /** The id the proxy greeted the connection with. */
    private static long proxyId(Connection c) throws SQLException {
        return c.unwrap(JdbcConnection.class).getId();
    }

    private static long longValue(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    /** Waits until {@code server} is (or is no longer) executing {@code sql}. */
    private static void awaitRunning(TestBedServer server, String sql, boolean running) throws Exception {
        try (Connection root = server.connectAsRoot();
                PreparedStatement ps =
                        root.prepareStatement("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = ?")) {
            ps.setString(1, sql);
            Awaits.within(Duration.ofSeconds(30), server + (running ? " runs " : " no longer runs ") + sql)
                    .until(() -> {
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            return rs.getLong(1) > 0 == running;
                        }
                    });
        }
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Idle sessions give their backend connections back ({@code backends.pool.return-after-idle}) and
 * borrow again when they next run a statement, carrying their state over: many idle clients hold
 * no backend connection, nothing a client set is lost, and a connection that holds what cannot be
 * carried over (a transaction, a temporary table, a lock, a cursor...) stays with its session.
 */
@ExtendWith(TestBedExtension.class)
class IdleLegReturnIT {

    private static final Duration RETURN_AFTER = Duration.ofMillis(300);
    private static final String OVERRIDES = ProxyFixture.NATIVE_PASSWORD_APP
            + "\nmysql-proxy.backends.pool.return-after-idle = " + RETURN_AFTER.toMillis() + "ms"
            + "\nmysql-proxy.routing.consistency = session";

    @BeforeEach
    void table(ReplicatedTestBed bed) throws Exception {
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS idle_return");
            s.execute("CREATE TABLE idle_return (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))");
            s.execute("INSERT INTO idle_return (v) VALUES ('a'), ('b'), ('c'), ('d'), ('e')");
            s.execute("DROP PROCEDURE IF EXISTS make_scratch");
            s.execute("CREATE PROCEDURE make_scratch() BEGIN CREATE TEMPORARY TABLE proc_scratch (x INT); "
                    + "INSERT INTO proc_scratch VALUES (7); END");
        }
        bed.awaitReplication();
    }

    @Test
    void twoHundredIdleSessionsHoldNoBackendConnectionAndWorkAfterwards(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES)) {
            List<Connection> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    Connection c = proxy.connect("");
                    clients.add(c);
                    try (Statement s = c.createStatement()) {
                        s.executeUpdate("INSERT INTO idle_return (v) VALUES ('client " + i + "')");
                        assertEquals(5 + i + 1, count(s, "SELECT COUNT(*) FROM idle_return"), "read of client " + i);
                    }
                }
                assertTrue(inUse(proxy) > 0, "the last clients still hold connections");
                Awaits.within(Duration.ofSeconds(10), "idle sessions give their connections back")
                        .until(() -> inUse(proxy), is(0));
                for (int i = 0; i < clients.size(); i++) {
                    try (Statement s = clients.get(i).createStatement()) {
                        assertEquals(205, count(s, "SELECT COUNT(*) FROM idle_return"), "read again by client " + i);
                        s.executeUpdate("UPDATE idle_return SET v = 'again' WHERE v = 'client " + i + "'");
                    }
                }
                try (Statement s = clients.get(0).createStatement()) {
                    assertEquals(200, count(s, "SELECT COUNT(*) FROM idle_return WHERE v = 'again'"));
                }
            } finally {
                for (Connection c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void stateSetBeforeTheReturnIsThereAfterIt(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection c = proxy.connect("useServerPrepStmts=true&cachePrepStmts=true");
                Statement s = c.createStatement()) {
            s.execute("SET SESSION sql_mode = 'ANSI_QUOTES'");
            s.execute("SET @greeting = 'hello'");
            s.execute("SET NAMES latin1");
            PreparedStatement byId = c.prepareStatement("SELECT v FROM idle_return WHERE id = ?");
            byId.setInt(1, 2);
            assertEquals("b", single(byId.executeQuery()));
            s.executeUpdate("INSERT INTO idle_return (v) VALUES ('mine')");
            long inserted = count(s, "SELECT LAST_INSERT_ID()");
            assertEquals(6, inserted);

            awaitAllReturned(proxy);

            assertEquals("ANSI_QUOTES", string(s, "SELECT @@SESSION.sql_mode"));
            assertEquals("hello", string(s, "SELECT @greeting"));
            assertEquals("latin1", string(s, "SELECT @@character_set_client"));
            assertEquals(inserted, count(s, "SELECT LAST_INSERT_ID()"), "LAST_INSERT_ID() after the return");
            // Session consistency: the write is visible to the next read, wherever it goes.
            assertEquals("mine", string(s, "SELECT v FROM idle_return WHERE id = 6"));
            byId.setInt(1, 3);
            assertEquals("c", single(byId.executeQuery()), "the prepared statement, prepared again");

            awaitAllReturned(proxy);
            s.executeUpdate("INSERT INTO idle_return (v) VALUES ('second')");
            awaitAllReturned(proxy);
            assertEquals(7, count(s, "SELECT LAST_INSERT_ID()"), "a newer LAST_INSERT_ID() replaces the older");
            assertEquals("second", string(s, "SELECT v FROM idle_return WHERE id = 7"));
            assertEquals(42, count(s, "SELECT LAST_INSERT_ID(42)"));
            awaitAllReturned(proxy);
            assertEquals(42, count(s, "SELECT LAST_INSERT_ID()"), "LAST_INSERT_ID(expr) sets it without a write");
        }
    }

    @Test
    void connectionsHoldingWhatCannotBeCarriedOverStayWithTheirSession(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES)) {
            try (Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.executeUpdate("INSERT INTO idle_return (v) VALUES ('in a transaction')");
                assertStaysThroughIdlePeriods(proxy, "an open transaction");
                c.rollback();
                assertEquals(0, count(s, "SELECT COUNT(*) FROM idle_return WHERE v = 'in a transaction'"));
            }
            try (Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                s.execute("CREATE TEMPORARY TABLE scratch (x INT)");
                s.execute("INSERT INTO scratch VALUES (1)");
                assertStaysThroughIdlePeriods(proxy, "a temporary table");
                assertEquals(1, count(s, "SELECT COUNT(*) FROM scratch"));
            }
            try (Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                assertEquals(1, count(s, "SELECT GET_LOCK('idle-return', 5)"));
                assertStaysThroughIdlePeriods(proxy, "a named lock");
                // 1 only for the connection holding it (CONNECTION_ID() is the proxy's id, not the server's).
                assertEquals(1, count(s, "SELECT RELEASE_LOCK('idle-return')"));
            }
            try (Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                s.execute("SET @at = RAND()");
                String at = string(s, "SELECT @at");
                assertStaysThroughIdlePeriods(proxy, "a user variable set from an expression");
                assertEquals(at, string(s, "SELECT @at"));
            }
            try (Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                s.execute("SET TRANSACTION READ ONLY");
                assertStaysThroughIdlePeriods(proxy, "a SET TRANSACTION for the next transaction");
                SQLException readOnly = assertThrows(
                        SQLException.class, () -> s.executeUpdate("INSERT INTO idle_return (v) VALUES ('read only')"));
                assertEquals(1792, readOnly.getErrorCode(), readOnly.getMessage());
                awaitAllReturned(proxy);
                assertEquals(
                        1,
                        s.executeUpdate("INSERT INTO idle_return (v) VALUES ('read write again')"),
                        "the one-shot SET TRANSACTION is not replayed on the next connection");
            }
            try (Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                s.execute("CALL make_scratch()");
                assertStaysThroughIdlePeriods(proxy, "what a stored procedure left behind");
                assertEquals(7, count(s, "/* route=primary */ SELECT x FROM proc_scratch"));
            }
            try (Connection c = proxy.connect("useCursorFetch=true&defaultFetchSize=2");
                    PreparedStatement all = c.prepareStatement("SELECT v FROM idle_return WHERE id <= 5 ORDER BY id")) {
                try (ResultSet rows = all.executeQuery()) {
                    assertTrue(rows.next());
                    assertEquals("a", rows.getString(1));
                    assertStaysThroughIdlePeriods(proxy, "an open cursor");
                    List<String> rest = new ArrayList<>();
                    while (rows.next()) {
                        rest.add(rows.getString(1));
                    }
                    assertEquals(List.of("b", "c", "d", "e"), rest);
                }
            }
        }
    }

    /** Statements sent just as the session goes idle long enough (a race with the return) all work. */
    @Test
    void statementsRacingTheReturnAreServed(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection c = proxy.connect("useServerPrepStmts=true");
                Statement s = c.createStatement();
                PreparedStatement insert = c.prepareStatement("INSERT INTO idle_return (v) VALUES (?)")) {
            s.execute("SET @tag = 'race'");
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 30; i++) {
                idleAroundTheReturnDeadline(random);
                insert.setString(1, "race " + i);
                insert.executeUpdate();
                long id = count(s, "SELECT LAST_INSERT_ID()");
                idleAroundTheReturnDeadline(random);
                assertEquals("race " + i, string(s, "SELECT v FROM idle_return WHERE id = " + id), "round " + i);
                assertEquals("race", string(s, "SELECT @tag"), "round " + i);
            }
        }
    }

    /** Idles for 20 ms less to 40 ms more than return-after-idle, so the next statement races the return. */
    private static void idleAroundTheReturnDeadline(ThreadLocalRandom random) throws InterruptedException {
        Awaits.pace(RETURN_AFTER.minusMillis(20).plusMillis(random.nextInt(60)), "a statement racing the return");
    }

    private static void assertStaysThroughIdlePeriods(ProxyFixture proxy, String what) throws InterruptedException {
        Awaits.pace(RETURN_AFTER.multipliedBy(4), "idle well past return-after-idle: the connection must not go back");
        assertTrue(inUse(proxy) >= 1, "the connection holding " + what + " went back to the pool");
    }

    private static void awaitAllReturned(ProxyFixture proxy) {
        Awaits.within(Duration.ofSeconds(5), "the idle session gives its connections back")
                .until(() -> inUse(proxy), is(0));
    }

    /** Backend connections borrowed by sessions: open ones that are neither idle in a pool nor being reset. */
    private static int inUse(ProxyFixture proxy) {
        int inUse = 0;
        for (Backend backend : proxy.server().runtime().topology().all()) {
            BackendPool pool = proxy.server().runtime().pool(backend);
            inUse += pool.openConnections() - pool.idleConnections();
        }
        return inUse;
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    private static String string(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return single(rs);
        }
    }

    private static String single(ResultSet rs) throws SQLException {
        try (rs) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }
}

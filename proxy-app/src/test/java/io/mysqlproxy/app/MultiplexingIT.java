package io.mysqlproxy.app;

import com.mysql.cj.jdbc.JdbcConnection;
import io.mysqlproxy.core.pool.BackendPool;
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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transaction multiplexing with ONE backend connection per server: two sessions of the same user take
 * turns on it, statement by statement, and neither ever sees the other's session variables, schema, user
 * variables, LAST_INSERT_ID(), warnings, FOUND_ROWS() or ROW_COUNT(); a session that holds its connection
 * (a lock, a temporary table, a transaction) keeps it until the hold ends, the other waiting meanwhile,
 * and SHOW PROXY SESSIONS tells the other why.
 */
@ExtendWith(TestBedExtension.class)
class MultiplexingIT {

    private static final String OVERRIDES = ProxyFixture.NATIVE_PASSWORD_APP
            + "\nmysql-proxy.backends.pool.multiplexing = transaction"
            + "\nmysql-proxy.event-loop-threads = 1"
            + "\nmysql-proxy.backends.pool.max-connections = 1"
            + "\nmysql-proxy.backends.pool.borrow-timeout = 1500ms";
    private static final String THREAD_ID = "SELECT " + ServerThreadId.EXPRESSION + " /* route=primary */";
    /** The pool's error when no connection frees up within the borrow timeout (as the server's max_connections). */
    private static final int POOL_EXHAUSTED = 1040;

    @BeforeEach
    void tables(ReplicatedTestBed bed) throws Exception {
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS mux_a");
            s.execute("CREATE DATABASE IF NOT EXISTS mux_b");
            s.execute("DROP TABLE IF EXISTS mux_t");
            s.execute("CREATE TABLE mux_t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40))");
            s.execute("INSERT INTO mux_t (v) VALUES ('1'), ('2'), ('3'), ('4'), ('5'), ('6')");
        }
        bed.awaitReplication();
    }

    @Test
    void twoSessionsSharingOneConnectionNeverSeeEachOthersState(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection a = proxy.connect("");
                Connection b = proxy.connect("");
                Statement sa = a.createStatement();
                Statement sb = b.createStatement()) {
            assertEquals(threadId(sa), threadId(sb), "both sessions run on the one server connection");

            sa.execute("SET SESSION sql_mode = 'ANSI_QUOTES'");
            sb.execute("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'");
            sa.execute("SET @who = 'a'");
            sb.execute("SET @who = 'b'");
            sa.execute("USE mux_a");
            sb.execute("USE mux_b");
            assertEquals("ANSI_QUOTES", value(sa, "SELECT @@SESSION.sql_mode /* route=primary */"));
            assertEquals("NO_ENGINE_SUBSTITUTION", value(sb, "SELECT @@SESSION.sql_mode /* route=primary */"));
            assertEquals("ANSI_QUOTES", value(sa, "SELECT @@SESSION.sql_mode"), "on a replica too");
            assertEquals("a", value(sa, "SELECT @who /* route=primary */"));
            assertEquals("b", value(sb, "SELECT @who /* route=primary */"));
            assertEquals("mux_a", value(sa, "SELECT DATABASE() /* route=primary */"));
            assertEquals("mux_b", value(sb, "SELECT DATABASE() /* route=primary */"));
            sa.execute("USE app");
            sb.execute("USE app");

            long idA = insert(sa, "from a");
            long idB = insert(sb, "from b");
            assertNotEquals(idA, idB);
            assertEquals(String.valueOf(idA), value(sa, "SELECT LAST_INSERT_ID()"));
            assertEquals(String.valueOf(idB), value(sb, "SELECT LAST_INSERT_ID()"));
            sa.executeQuery("SELECT LAST_INSERT_ID(4242)").close();
            sb.executeQuery("SELECT 1 /* route=primary */").close();
            assertEquals("4242", value(sa, "SELECT LAST_INSERT_ID()"), "LAST_INSERT_ID(expr) carried over");
            assertEquals(String.valueOf(idB), value(sb, "SELECT LAST_INSERT_ID()"));

            assertEquals(3, sa.executeUpdate("UPDATE mux_t SET v = CONCAT('a', id) WHERE id <= 3"));
            assertEquals(1, sb.executeUpdate("UPDATE mux_t SET v = CONCAT('b', id) WHERE id = 4"));
            assertEquals("3", value(sa, "SELECT ROW_COUNT()"));
            assertEquals("1", value(sb, "SELECT ROW_COUNT()"));
            bed.awaitReplication();
            assertEquals(2, rows(sa, "SELECT id FROM mux_t ORDER BY id LIMIT 2"));
            assertEquals(4, rows(sb, "SELECT id FROM mux_t ORDER BY id LIMIT 4"));
            assertEquals("2", value(sa, "SELECT FOUND_ROWS()"));
            assertEquals("4", value(sb, "SELECT FOUND_ROWS()"));
            assertEquals(1, rows(sa, "SELECT SQL_CALC_FOUND_ROWS id FROM mux_t ORDER BY id LIMIT 1"));
            assertEquals(String.valueOf(count(sb)), value(sa, "SELECT FOUND_ROWS()"), "held for FOUND_ROWS()");

            sa.executeQuery("SELECT CAST('x1' AS SIGNED)").close();
            assertEquals(1, rows(sa, "SHOW WARNINGS"), "a's warning, on the connection held for it");
            sa.executeQuery("SELECT 1").close();
            assertEquals(0, rows(sb, "SHOW WARNINGS"), "b never sees a's warning");
            sb.executeQuery("SELECT CAST('y2' AS SIGNED)").close();
            assertEquals(0, rows(sa, "SHOW WARNINGS"), "nor a b's");
            assertEquals(1, rows(sb, "SHOW WARNINGS"));

            assertEquals(1, pool(proxy).openConnections(), "one primary connection throughout");
        }
    }

    @Test
    void temporaryTablesStayWithTheirSessionWhichHoldsTheConnectionUntilItEnds(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection b = proxy.connect("");
                Statement sb = b.createStatement()) {
            try (Connection a = proxy.connect("");
                    Statement sa = a.createStatement()) {
                sa.execute("CREATE TEMPORARY TABLE mux_tmp (x INT)");
                sa.execute("INSERT INTO mux_tmp VALUES (7)");
                SQLException waited = assertThrows(
                        SQLException.class, () -> value(sb, "SELECT COUNT(*) FROM mux_tmp /* route=primary */"));
                assertEquals(POOL_EXHAUSTED, waited.getErrorCode(), waited.getMessage());
                assertEquals("7", value(sa, "SELECT x FROM mux_tmp"));
            }
            SQLException gone = assertThrows(
                    SQLException.class, () -> value(sb, "SELECT COUNT(*) FROM mux_tmp /* route=primary */"));
            assertEquals(1146, gone.getErrorCode(), "the connection was reset when a ended: " + gone.getMessage());
        }
    }

    @Test
    void locksAndTransactionsHoldTheConnectionUntilReleased(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection a = proxy.connect("");
                Connection b = proxy.connect("");
                Statement sa = a.createStatement();
                Statement sb = b.createStatement()) {
            long idA = a.unwrap(JdbcConnection.class).getId();
            assertEquals(null, holdsOf(sb, idA), "nothing holds a yet");
            sa.execute("LOCK TABLES mux_t READ");
            assertEquals(POOL_EXHAUSTED, errorOf(sb, THREAD_ID));
            // The proxy answers SHOW PROXY SESSIONS itself: b sees why it waits, with no connection of its own.
            assertEquals("lock_tables (lock_tables)", holdsOf(sb, idA));
            assertTrue(connectionsOf(sb, idA).contains("(primary, connection "), "a holds the primary connection");
            sa.execute("UNLOCK TABLES");
            assertEquals(threadId(sa), threadId(sb), "free again after UNLOCK TABLES");
            assertEquals(null, holdsOf(sb, idA), "the hold went with UNLOCK TABLES");

            a.setAutoCommit(false);
            sa.executeUpdate("UPDATE mux_t SET v = 'in a transaction' WHERE id = 1");
            assertEquals(POOL_EXHAUSTED, errorOf(sb, THREAD_ID));
            String holds = holdsOf(sb, idA);
            assertTrue(holds != null && holds.contains("autocommit_off (set_autocommit)"), holds);
            a.commit();
            a.setAutoCommit(true);
            assertEquals(null, holdsOf(sb, idA), "nothing holds a after COMMIT and SET autocommit = 1");
            assertEquals("in a transaction", value(sb, "SELECT v FROM mux_t WHERE id = 1 /* route=primary */"));
        }
    }

    @Test
    void preparedStatementsSurviveReborrowsAndAreNotPreparedAgainOnTheirOwnConnection(ReplicatedTestBed bed)
            throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection a = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false");
                Connection b = proxy.connect("");
                Statement sb = b.createStatement();
                Connection direct = ProxyFixture.connectDirect(bed, "");
                PreparedStatement insert = a.prepareStatement("INSERT INTO mux_t (v) VALUES (?)")) {
            List<Long> prepares = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                insert.setString(1, "prepared " + i);
                assertEquals(1, insert.executeUpdate());
                prepares.add(prepares(direct));
            }
            assertEquals(prepares.get(1), prepares.get(2), "its own connection back: the statement is still there");
            sb.executeUpdate("INSERT INTO mux_t (v) VALUES ('b in between')");
            insert.setString(1, "after b");
            assertEquals(1, insert.executeUpdate(), "prepared again where b left the connection");
            insert.setString(1, "once more");
            assertEquals(1, insert.executeUpdate());
            assertEquals(prepares.get(2) + 1, prepares(direct), "one prepare after b, none for the next execution");
            assertEquals(
                    "5",
                    value(
                            sb,
                            "SELECT COUNT(*) FROM mux_t WHERE v LIKE 'prepared%' OR v IN ('after b', 'once more') /* route=primary */"));
        }
    }

    private static BackendPool pool(ProxyFixture proxy) {
        return proxy.server().runtime().pools().all().stream()
                .filter(p -> p.backend().role() == io.mysqlproxy.core.topology.BackendRole.PRIMARY)
                .findFirst()
                .orElseThrow();
    }

    /**
     * The server thread of the session's primary connection. MySQL 9 warns that PROCESSLIST is deprecated, and
     * a warning holds the connection for SHOW WARNINGS: a statement without one lets it go.
     */
    private static String threadId(Statement s) throws SQLException {
        String id = value(s, THREAD_ID);
        s.executeQuery("SELECT 1 /* route=primary */").close();
        return id;
    }

    /** The holds column of session {@code id} in SHOW PROXY SESSIONS (null when nothing holds it). */
    private static String holdsOf(Statement s, long id) throws SQLException {
        return sessionColumn(s, id, "holds");
    }

    private static String connectionsOf(Statement s, long id) throws SQLException {
        return String.valueOf(sessionColumn(s, id, "connections"));
    }

    private static String sessionColumn(Statement s, long id, String column) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW PROXY SESSIONS")) {
            while (rs.next()) {
                if (rs.getLong("id") == id) {
                    return rs.getString(column);
                }
            }
        }
        throw new AssertionError("session " + id + " is not in SHOW PROXY SESSIONS");
    }

    private static long prepares(Connection direct) throws SQLException {
        try (Statement s = direct.createStatement();
                ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS LIKE 'Com_stmt_prepare'")) {
            assertTrue(rs.next());
            return rs.getLong(2);
        }
    }

    private static int errorOf(Statement s, String sql) {
        return assertThrows(SQLException.class, () -> value(s, sql)).getErrorCode();
    }

    private static long insert(Statement s, String v) throws SQLException {
        s.executeUpdate("INSERT INTO mux_t (v) VALUES ('" + v + "')", Statement.RETURN_GENERATED_KEYS);
        try (ResultSet keys = s.getGeneratedKeys()) {
            assertTrue(keys.next());
            return keys.getLong(1);
        }
    }

    private static long count(Statement s) throws SQLException {
        return Long.parseLong(value(s, "SELECT COUNT(*) FROM mux_t /* route=primary */"));
    }

    private static String value(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    private static int rows(Statement s, String sql) throws SQLException {
        int rows = 0;
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rows++;
            }
        }
        return rows;
    }
}

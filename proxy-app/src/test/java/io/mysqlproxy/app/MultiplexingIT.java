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
 * and SHOW PROXY SESSIONS tells the other why. Prepared statements: the connection keeps the server
 * statement one session prepared for the other when text, schema and SETs match (no prepare and no close per
 * turn, read from the server's own counters), and never under another schema or sql_mode.
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
    void setNamesSurvivesTakingOverAConnectionOfAnotherHandshakeCollation(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection a = proxy.connect("connectionCollation=utf8mb4_general_ci");
                Connection b = proxy.connect("connectionCollation=latin1_swedish_ci");
                Statement sa = a.createStatement();
                Statement sb = b.createStatement()) {
            sa.execute("SET NAMES latin1");
            sb.execute("SET NAMES latin1");
            String client = "SELECT @@character_set_client /* route=primary */";
            assertEquals("latin1", value(sa, client), "after b's connection (its collation) was taken over");
            assertEquals("latin1", value(sb, client));
            assertEquals("latin1", value(sa, client));
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
            // b is no admin: it sees the role and the server's thread id, not the backend's name (an address).
            assertTrue(
                    connectionsOf(sb, idA).matches("primary \\(connection \\d+\\)"), "a holds the primary connection");
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
    void preparedStatementsSurviveReborrowsAndAreNotPreparedAgainWhereAnotherSessionUsedTheConnection(
            ReplicatedTestBed bed) throws Exception {
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
                prepares.add(status(direct, "Com_stmt_prepare"));
            }
            assertEquals(prepares.get(1), prepares.get(2), "its own connection back: the statement is still there");
            sb.executeUpdate("INSERT INTO mux_t (v) VALUES ('b in between')");
            insert.setString(1, "after b");
            assertEquals(1, insert.executeUpdate(), "b used the connection meanwhile: its cache kept the statement");
            insert.setString(1, "once more");
            assertEquals(1, insert.executeUpdate());
            // Before the connection kept its statements (prepared-statement-cache), this was one prepare after b.
            assertEquals(prepares.get(2), status(direct, "Com_stmt_prepare"), "no prepare after b");
            assertEquals(
                    "5",
                    value(
                            sb,
                            "SELECT COUNT(*) FROM mux_t WHERE v LIKE 'prepared%' OR v IN ('after b', 'once more') /* route=primary */"));
        }
    }

    @Test
    void twoSessionsTakingTurnsShareOneServerStatementForTheSameText(ReplicatedTestBed bed) throws Exception {
        String sql = "SELECT v FROM mux_t WHERE id = ? /* route=primary */";
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection a = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false");
                Connection b = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false");
                Connection direct = ProxyFixture.connectDirect(bed, "")) {
            long preparesBefore = status(direct, "Com_stmt_prepare");
            long closesBefore = status(direct, "Com_stmt_close");
            try (PreparedStatement pa = a.prepareStatement(sql);
                    PreparedStatement pb = b.prepareStatement(sql)) {
                assertEquals("1", valueOf(pa, 1));
                assertEquals("2", valueOf(pb, 2));
                // b prepared its own copy while a's was kept: a takes the connection back and closes b's once.
                assertEquals("3", valueOf(pa, 3));
                long prepares = status(direct, "Com_stmt_prepare");
                long closes = status(direct, "Com_stmt_close");
                assertEquals(preparesBefore + 2, prepares, "the clients' own two prepares");
                for (int turn = 0; turn < 10; turn++) {
                    assertEquals(String.valueOf(1 + turn % 6), valueOf(pb, 1 + turn % 6), "b's parameter, b's row");
                    assertEquals(String.valueOf(6 - turn % 6), valueOf(pa, 6 - turn % 6), "a's parameter, a's row");
                }
                assertEquals(
                        prepares, status(direct, "Com_stmt_prepare"), "20 turns, no prepare: the cached statement");
                assertEquals(closes, status(direct, "Com_stmt_close"), "and no close");
                assertEquals(closesBefore + 1, closes, "b's copy, once");
            }
            assertEquals(closesBefore + 1, status(direct, "Com_stmt_close"), "closing them leaves the cached one");
            assertEquals(1, pool(proxy).openConnections(), "one primary connection throughout");
        }
    }

    /**
     * MySQL's statements keep what earlier executions' types made of them (a string after a BIGINT is read as
     * a number, as on one connection without the proxy): b, binding other types, must not run on a's.
     */
    @Test
    void sessionsBindingOtherParameterTypesOnTheSameTextEachGetTheirOwnResults(ReplicatedTestBed bed) throws Exception {
        String sql = "SELECT CONCAT(?, ':', v) FROM mux_t WHERE id = ? /* route=primary */";
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection a = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false");
                Connection b = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false")) {
            try (PreparedStatement pa = a.prepareStatement(sql);
                    PreparedStatement pb = b.prepareStatement(sql)) {
                for (int turn = 0; turn < 6; turn++) {
                    int id = 1 + turn % 6;
                    // a binds a string, b a BIGINT: each execution must use its own session's types.
                    pa.setString(1, "00" + turn);
                    pa.setInt(2, id);
                    assertEquals("00" + turn + ":" + id, first(pa), "a's string parameter");
                    pb.setLong(1, 1_000_000_000_000L + turn);
                    pb.setInt(2, id);
                    assertEquals((1_000_000_000_000L + turn) + ":" + id, first(pb), "b's BIGINT parameter");
                }
            }
        }
    }

    @Test
    void aStatementThatOpenedACursorStaysItsSessionsOwn(ReplicatedTestBed bed) throws Exception {
        String sql = "SELECT v FROM mux_t WHERE id <= ? ORDER BY id /* route=primary */";
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection a = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false&useCursorFetch=true");
                Connection b = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false");
                Connection direct = ProxyFixture.connectDirect(bed, "")) {
            long closes = status(direct, "Com_stmt_close");
            try (PreparedStatement cursor = a.prepareStatement(sql)) {
                cursor.setFetchSize(2);
                assertEquals(6, rowsOf(cursor, 6), "read through a cursor, two rows at a time");
            }
            try (PreparedStatement pb = b.prepareStatement(sql)) {
                assertEquals(3, rowsOf(pb, 3));
                assertEquals(
                        closes + 1,
                        status(direct, "Com_stmt_close"),
                        "the cursor made a's statement its own: closed, not kept for b");
            }
            assertEquals(closes + 1, status(direct, "Com_stmt_close"), "b's statement is kept for others");
        }
    }

    @Test
    void aStatementPreparedUnderAnotherSchemaOrSqlModeIsNotReused(ReplicatedTestBed bed) throws Exception {
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement s = c.createStatement()) {
            for (String schema : List.of("mux_a", "mux_b")) {
                s.execute("DROP TABLE IF EXISTS " + schema + ".mux_s");
                s.execute("CREATE TABLE " + schema + ".mux_s (v VARCHAR(10))");
                s.execute("INSERT INTO " + schema + ".mux_s VALUES ('" + schema + "')");
            }
        }
        bed.awaitReplication();
        String table = "SELECT v FROM mux_s WHERE ? = ? /* route=primary */";
        String quoted = "SELECT \"v\" FROM mux_t WHERE id = ? /* route=primary */";
        try (ProxyFixture proxy = ProxyFixture.start(bed, OVERRIDES);
                Connection a = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false");
                Connection b = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false")) {
            a.setCatalog("mux_a");
            b.setCatalog("mux_b");
            try (PreparedStatement ta = a.prepareStatement(table);
                    PreparedStatement tb = b.prepareStatement(table)) {
                for (int turn = 0; turn < 3; turn++) {
                    assertEquals("mux_a", valueOf(ta, 1), "a's schema's table");
                    assertEquals("mux_b", valueOf(tb, 1), "b's schema's table");
                }
            }
            a.setCatalog("app");
            b.setCatalog("app");
            try (Statement sa = a.createStatement()) {
                sa.execute("SET SESSION sql_mode = 'ANSI_QUOTES'");
            }
            try (PreparedStatement qb = b.prepareStatement(quoted);
                    PreparedStatement qa = a.prepareStatement(quoted)) {
                for (int turn = 0; turn < 3; turn++) {
                    assertEquals("v", valueOf(qb, 1), "a string without ANSI_QUOTES");
                    assertEquals("1", valueOf(qa, 1), "the column under ANSI_QUOTES");
                }
            }
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

    /** A global status counter of the server behind {@code direct} (the primary), read there directly. */
    private static long status(Connection direct, String name) throws SQLException {
        try (Statement s = direct.createStatement();
                ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS LIKE '" + name + "'")) {
            assertTrue(rs.next());
            return rs.getLong(2);
        }
    }

    /** The rows {@code statement} returns with {@code parameter} for its one parameter. */
    private static int rowsOf(PreparedStatement statement, int parameter) throws SQLException {
        statement.setInt(1, parameter);
        int rows = 0;
        try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                rows++;
            }
        }
        return rows;
    }

    /** The first column of the first row {@code statement} returns with {@code parameter} for each parameter. */
    private static String valueOf(PreparedStatement statement, int parameter) throws SQLException {
        for (int i = 1; i <= statement.getParameterMetaData().getParameterCount(); i++) {
            statement.setInt(i, parameter);
        }
        try (ResultSet rs = statement.executeQuery()) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    /** The first column of the first row {@code statement} returns with the parameters set. */
    private static String first(PreparedStatement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery()) {
            assertTrue(rs.next());
            return rs.getString(1);
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

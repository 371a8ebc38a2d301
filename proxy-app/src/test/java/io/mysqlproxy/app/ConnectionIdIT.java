package io.mysqlproxy.app;

import com.mysql.cj.jdbc.JdbcConnection;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy is the server its clients see: CONNECTION_ID() and @@pseudo_thread_id answer the id the handshake
 * gave (on whichever backend the statement runs, prepared or not), so the id a client reads is the one KILL
 * takes, from another session of the same user, alone or first in a multi-statement; SHOW PROCESSLIST lists
 * the proxy's sessions by those ids.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides("""
        mysql-proxy.users = [
          { name = app, password = app-secret, auth-plugin = mysql_native_password }
          { name = ops, password = ops-secret, auth-plugin = mysql_native_password, admin = true }
        ]
        """)
class ConnectionIdIT {

    private static final DbAccount OPS = new DbAccount("ops", "ops-secret");
    private static final int ER_NO_SUCH_THREAD = 1094;
    private static final int ER_NOT_SUPPORTED_YET = 1235;
    private static final String MULTI = "allowMultiQueries=true";

    private final ProxyFixture proxy;

    ConnectionIdIT(ProxyFixture proxy) {
        this.proxy = proxy;
    }

    /** A second user, an admin of the proxy, whose account exists on the servers too. */
    @BeforeAll
    static void createOperatorAccount(ReplicatedTestBed bed) throws SQLException {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute("CREATE USER IF NOT EXISTS '" + OPS.user() + "'@'%' IDENTIFIED BY '" + OPS.password() + "'");
            s.execute("GRANT SELECT ON " + ReplicatedTestBed.APP_DATABASE + ".* TO '" + OPS.user() + "'@'%'");
        }
        bed.awaitReplication();
    }

    @Test
    void connectionIdIsTheHandshakesIdOnEveryBackendWithTheServersColumnNames() throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            long id = proxyId(c);
            for (int i = 0; i < 6; i++) {
                // Reads go round the replicas: each has its own thread ids, none of them the proxy's.
                assertEquals(id, longValue(s, "SELECT CONNECTION_ID()", "CONNECTION_ID()"));
            }
            assertEquals(id, longValue(s, "SELECT connection_id ( ) /* route=primary */", "connection_id ( )"));
            assertEquals(id, longValue(s, "SELECT @@pseudo_thread_id", "@@pseudo_thread_id"));
            assertEquals(id, longValue(s, "SELECT @@session.pseudo_thread_id AS me", "me"));
            // Only a bare call keeps its name: an expression is named after the text the server got.
            assertEquals(id + 1, longValue(s, "SELECT CONNECTION_ID() + 1", id + " + 1"));
            try (ResultSet rs = s.executeQuery("SELECT 'CONNECTION_ID()', CONNECTION_ID() AS id")) {
                assertTrue(rs.next());
                assertEquals("CONNECTION_ID()", rs.getString(1), "a string is left alone");
                assertEquals(id, rs.getLong("id"));
            }
            s.execute("BEGIN");
            assertEquals(id, longValue(s, "SELECT CONNECTION_ID()", "CONNECTION_ID()"), "in a transaction");
            s.execute("COMMIT");
        }
    }

    @Test
    void connectionIdThroughServerSidePreparedStatements() throws SQLException {
        try (Connection c = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false")) {
            long id = proxyId(c);
            for (int i = 0; i < 4; i++) {
                try (PreparedStatement ps = c.prepareStatement("SELECT CONNECTION_ID(), ? + 0")) {
                    ps.setInt(1, i);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertTrue(rs.next());
                        assertEquals(id, rs.getLong(1));
                        assertEquals(i, rs.getInt(2));
                        assertEquals("CONNECTION_ID()", rs.getMetaData().getColumnLabel(1));
                    }
                }
            }
        }
    }

    @Test
    void theIdAClientReadsIsTheOneKillTakesFromAnotherSessionOfItsUser() throws SQLException {
        try (Connection victim = proxy.connect("");
                Connection killer = proxy.connect("");
                Statement v = victim.createStatement();
                Statement k = killer.createStatement()) {
            long id = longValue(v, "SELECT CONNECTION_ID()", "CONNECTION_ID()");
            k.execute("KILL " + id);
            assertThrows(SQLException.class, () -> v.executeQuery("SELECT 1"), "the killed session is closed");
            assertFalse(victim.isValid(5));
            assertEquals(1, longValue(k, "SELECT 1", "1"), "the killer goes on");
        }
    }

    @Test
    void killFirstInAMultiStatementKillsAndTheRestIsAnswered() throws SQLException {
        try (Connection victim = proxy.connect("");
                Connection killer = proxy.connect(MULTI);
                Statement v = victim.createStatement();
                Statement k = killer.createStatement()) {
            long id = longValue(v, "SELECT CONNECTION_ID()", "CONNECTION_ID()");
            assertFalse(k.execute("kill " + id + "; select 1 AS one, CONNECTION_ID()"), "first an OK");
            assertEquals(0, k.getUpdateCount());
            assertTrue(k.getMoreResults(), "then the select's result");
            try (ResultSet rs = k.getResultSet()) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt("one"));
                assertEquals(proxyId(killer), rs.getLong(2));
                assertFalse(rs.next());
            }
            assertFalse(k.getMoreResults());
            assertEquals(-1, k.getUpdateCount());
            assertThrows(SQLException.class, () -> v.executeQuery("SELECT 1"), "the killed session is closed");

            // The session goes on, its next statements numbered as usual.
            assertEquals(2, longValue(k, "SELECT 2", "2"));
            // A failed KILL ends the text there, as a server ends a multi-statement at its first error.
            SQLException unknown = assertThrows(SQLException.class, () -> k.execute("KILL " + id + "; SELECT 3"));
            assertEquals(ER_NO_SUCH_THREAD, unknown.getErrorCode(), unknown.getMessage());
            // KILL elsewhere than first is refused, and nothing of the text runs.
            SQLException refused = assertThrows(SQLException.class, () -> k.execute("SELECT 1; KILL " + id));
            assertEquals(ER_NOT_SUPPORTED_YET, refused.getErrorCode(), refused.getMessage());
            assertTrue(refused.getMessage().contains("KILL must be the first statement"), refused.getMessage());
            assertEquals(4, longValue(k, "SELECT 4", "4"));
        }
    }

    @Test
    void withoutMultiStatementsAKillFollowedByMoreIsRefusedAndKillsNothing() throws SQLException {
        try (Connection victim = proxy.connect("");
                Connection killer = proxy.connect("");
                Statement v = victim.createStatement();
                Statement k = killer.createStatement()) {
            long id = proxyId(victim);
            // Connector/J without allowMultiQueries: a server would answer 1064 and run nothing.
            SQLException refused = assertThrows(SQLException.class, () -> k.execute("kill " + id + "; select 1"));
            assertEquals(ER_NOT_SUPPORTED_YET, refused.getErrorCode(), refused.getMessage());
            assertEquals(1, longValue(v, "SELECT 1", "1"), "the session named is not killed");
            assertEquals(2, longValue(k, "SELECT 2", "2"));
        }
    }

    @Test
    void aViewKeepsConnectionIdForTheServerToEvaluate(ReplicatedTestBed bed) throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement();
                Connection root = bed.primary().connectAsRoot();
                PreparedStatement definition = root.prepareStatement(
                        "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            s.execute("CREATE OR REPLACE VIEW connection_id_view AS SELECT CONNECTION_ID() AS id");
            try {
                definition.setString(1, ReplicatedTestBed.APP_DATABASE);
                definition.setString(2, "connection_id_view");
                try (ResultSet rs = definition.executeQuery()) {
                    assertTrue(rs.next(), "the view exists");
                    String text = rs.getString(1).toLowerCase(Locale.ROOT);
                    assertTrue(text.contains("connection_id()"), "not one session's number: " + text);
                }
            } finally {
                s.execute("DROP VIEW connection_id_view");
            }
        }
    }

    @Test
    void anAdminSeesNoTextThatMayCarryAPassword() throws Exception {
        try (Connection app = proxy.connect("");
                Connection ops = proxy.connect(OPS.user(), OPS.password(), "");
                Statement o = ops.createStatement()) {
            long appId = proxyId(app);
            CompletableFuture<Void> sleeping = CompletableFuture.runAsync(() -> {
                try (Statement a = app.createStatement()) {
                    a.executeQuery("SELECT SLEEP(3) AS password").close();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Awaits.within(Duration.ofSeconds(10), "the app session mid-statement")
                    .until(() -> "Query"
                            .equals(processList(o, "SHOW FULL PROCESSLIST")
                                    .getOrDefault(appId, Map.of())
                                    .get("Command")));
            Map<String, String> row = processList(o, "SHOW FULL PROCESSLIST").get(appId);
            assertEquals("Query", row.get("Command"));
            assertNull(row.get("Info"), "the text names PASSWORD: " + row);
            sleeping.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void killConnectionIdEndsTheSessionItself() throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.execute("KILL CONNECTION_ID()"));
            assertFalse(c.isValid(5));
        }
    }

    @Test
    void killOfAnotherUsersSessionIsUnknownThread() throws SQLException {
        try (Connection other = proxy.connect(OPS.user(), OPS.password(), "");
                Connection app = proxy.connect(MULTI);
                Statement o = other.createStatement();
                Statement a = app.createStatement()) {
            long otherId = longValue(o, "SELECT CONNECTION_ID()", "CONNECTION_ID()");
            for (String kill :
                    new String[] {"KILL " + otherId, "KILL QUERY " + otherId, "KILL " + otherId + "; SELECT 1"}) {
                SQLException e = assertThrows(SQLException.class, () -> a.execute(kill), kill);
                assertEquals(ER_NO_SUCH_THREAD, e.getErrorCode(), kill + ": " + e.getMessage());
            }
            assertEquals(otherId, longValue(o, "SELECT CONNECTION_ID()", "CONNECTION_ID()"), "untouched");
        }
    }

    @Test
    void showProcessListListsTheProxysSessionsOfTheCallersUser() throws SQLException {
        try (Connection app = proxy.connect("");
                Connection app2 = proxy.connect("");
                Connection ops = proxy.connect(OPS.user(), OPS.password(), "");
                Statement a = app.createStatement();
                Statement o = ops.createStatement()) {
            long appId = proxyId(app);
            long app2Id = proxyId(app2);
            long opsId = proxyId(ops);
            Map<Long, Map<String, String>> seenByApp = processList(a, "SHOW PROCESSLIST");
            assertTrue(seenByApp.keySet().containsAll(List.of(appId, app2Id)), seenByApp.toString());
            assertFalse(seenByApp.containsKey(opsId), "another user's session: " + seenByApp);
            Map<String, String> self = seenByApp.get(appId);
            assertEquals(DbAccount.APP.user(), self.get("User"));
            assertEquals(ReplicatedTestBed.APP_DATABASE, self.get("db"));
            assertEquals("Query", self.get("Command"));
            assertEquals("SHOW PROCESSLIST", self.get("Info"));
            assertTrue(self.get("Host").matches(".+:[0-9]+"), self.get("Host"));
            Map<String, String> idle = seenByApp.get(app2Id);
            assertEquals("Sleep", idle.get("Command"));
            assertNull(idle.get("Info"));
            assertNotNull(idle.get("Time"));

            String longText = "SHOW FULL PROCESSLIST /* " + "x".repeat(120) + " */";
            Map<Long, Map<String, String>> seenByOps = processList(o, longText);
            assertTrue(
                    seenByOps.keySet().containsAll(List.of(appId, app2Id, opsId)), "an admin sees all: " + seenByOps);
            assertEquals(longText, seenByOps.get(opsId).get("Info"), "FULL: the whole text");
            String cut = processList(o, "SHOW PROCESSLIST /* " + "y".repeat(120) + " */")
                    .get(opsId)
                    .get("Info");
            assertEquals(100, cut.length(), cut);
        }
    }

    /** The rows of {@code sql} by Id, each as column name to value; checks MySQL's column names. */
    private static Map<Long, Map<String, String>> processList(Statement s, String sql) throws SQLException {
        Map<Long, Map<String, String>> rows = new HashMap<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                names.add(meta.getColumnLabel(i));
            }
            assertEquals(List.of("Id", "User", "Host", "db", "Command", "Time", "State", "Info"), names);
            while (rs.next()) {
                Map<String, String> row = new HashMap<>();
                for (String name : names) {
                    row.put(name, rs.getString(name));
                }
                rows.put(rs.getLong("Id"), row);
            }
        }
        return rows;
    }

    /** The id the proxy greeted the connection with. */
    private static long proxyId(Connection c) throws SQLException {
        return c.unwrap(JdbcConnection.class).getId();
    }

    /** The one value of {@code sql}, whose column must be named {@code column}. */
    private static long longValue(Statement s, String sql, String column) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            assertEquals(column, rs.getMetaData().getColumnLabel(1), sql);
            return rs.getLong(1);
        }
    }
}

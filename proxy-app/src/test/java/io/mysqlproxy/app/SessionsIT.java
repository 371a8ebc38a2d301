package io.mysqlproxy.app;

import com.fasterxml.jackson.jr.ob.JSON;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every pin explained: sessions pinned by LOCK TABLES, CREATE TEMPORARY TABLE, START TRANSACTION,
 * SET autocommit = 0 and GET_LOCK show, in SHOW PROXY SESSIONS (Connector/J) and in {@code /sessions}
 * (parsed), each reason with the statement kind that caused it and the primary connection they hold
 * (the server's own thread id, as the primary lists it); {@code app}, not an admin, sees only its own
 * sessions, {@code ops} sees all; the pins counter and the pinned gauge move, and the holds that a
 * statement releases (UNLOCK TABLES, COMMIT, SET autocommit = 1) go away. The temporary table and
 * the named lock stay after DROP TEMPORARY TABLE and RELEASE_LOCK: the proxy does not follow those
 * releases and keeps the session on its connection until it ends (or resets).
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides("""
        mysql-proxy.users = [
          { name = app, password = app-secret, auth-plugin = mysql_native_password }
          { name = ops, password = ops-secret, auth-plugin = mysql_native_password, admin = true }
        ]
        """)
class SessionsIT {

    private static final DbAccount OPS = new DbAccount("ops", "ops-secret");
    private static final Pattern PRIMARY_CONNECTION = Pattern.compile("\\(primary, connection (\\d+)\\)");

    private final ReplicatedTestBed bed;
    private final ProxyFixture proxy;

    SessionsIT(ReplicatedTestBed bed, ProxyFixture proxy) {
        this.bed = bed;
        this.proxy = proxy;
    }

    @BeforeAll
    static void createOperatorAccountAndTable(ReplicatedTestBed bed) throws SQLException {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute("CREATE USER IF NOT EXISTS '" + OPS.user() + "'@'%' IDENTIFIED BY '" + OPS.password() + "'");
            s.execute("GRANT SELECT ON " + ReplicatedTestBed.APP_DATABASE + ".* TO '" + OPS.user() + "'@'%'");
            s.execute("CREATE TABLE IF NOT EXISTS " + ReplicatedTestBed.APP_DATABASE
                    + ".sessions_it (id INT PRIMARY KEY)");
        }
        bed.awaitReplication();
    }

    @Test
    void eachPinShowsWithItsCauseAndConnectionUntilReleased() throws Exception {
        Map<String, String> pinning = new LinkedHashMap<>();
        pinning.put("lock_tables", "LOCK TABLES sessions_it WRITE");
        pinning.put("temporary_table", "CREATE TEMPORARY TABLE t_sessions_it (id INT)");
        pinning.put("transaction", "START TRANSACTION");
        pinning.put("autocommit_off", "SET autocommit = 0");
        pinning.put("named_lock", "SELECT GET_LOCK('sessions_it', 0)");
        Map<String, String> causes = Map.of(
                "lock_tables", "lock_tables",
                "temporary_table", "create_temporary_table",
                "transaction", "transaction_begin",
                "autocommit_off", "set_autocommit",
                "named_lock", "read");
        List<Connection> opened = new ArrayList<>();
        try (Connection ops = proxy.connect(OPS.user(), OPS.password(), "");
                Statement admin = ops.createStatement()) {
            Map<String, Long> ids = new LinkedHashMap<>();
            Map<String, Statement> statements = new HashMap<>();
            Map<String, Double> pinsBefore = new HashMap<>();
            String scrape = proxy.admin("/metrics");
            for (String reason : pinning.keySet()) {
                pinsBefore.put(reason, metric(scrape, "mysqlproxy_session_pins_total", reason));
            }
            for (Map.Entry<String, String> pin : pinning.entrySet()) {
                Connection c = proxy.connect("");
                opened.add(c);
                Statement s = c.createStatement();
                ids.put(pin.getKey(), connectionId(s));
                s.execute(pin.getValue());
                statements.put(pin.getKey(), s);
            }
            Set<Long> primaryThreads = appThreadsOnPrimary();

            // SHOW PROXY SESSIONS as the admin: every session, each with its reason, cause and primary connection.
            Map<Long, Map<String, String>> shown = showSessions(admin);
            long opsId = connectionId(admin);
            assertEquals(OPS.user(), shown.get(opsId).get("user"));
            for (Map.Entry<String, Long> session : ids.entrySet()) {
                String reason = session.getKey();
                Map<String, String> row = shown.get(session.getValue());
                assertNotNull(row, reason + ": not listed in " + shown);
                assertEquals("app", row.get("user"));
                String expected = reason + " (" + causes.get(reason) + ")";
                assertTrue(row.get("holds") != null && row.get("holds").contains(expected), reason + ": " + row);
                Matcher m = PRIMARY_CONNECTION.matcher(String.valueOf(row.get("connections")));
                assertTrue(m.find(), reason + ": no primary connection in " + row);
                assertTrue(
                        primaryThreads.contains(Long.parseLong(m.group(1))),
                        reason + ": " + m.group(1) + " is not one of the primary's app threads " + primaryThreads);
            }
            assertEquals("in transaction", shown.get(ids.get("transaction")).get("state"));

            // /sessions, parsed: the same holds and connections.
            Map<Long, Map<?, ?>> json = sessionsJson();
            for (Map.Entry<String, Long> session : ids.entrySet()) {
                Map<?, ?> s = json.get(session.getValue());
                assertNotNull(s, session.getKey() + " not in /sessions");
                assertTrue(
                        ((List<?>) s.get("holds"))
                                .contains(Map.of("reason", session.getKey(), "cause", causes.get(session.getKey()))),
                        session.getKey() + ": " + s);
                Map<?, ?> primary = (Map<?, ?>) ((List<?>) s.get("connections")).get(0);
                assertEquals("primary", primary.get("role"));
                assertTrue(primaryThreads.contains(((Number) primary.get("server_connection_id")).longValue()), "" + s);
            }

            // app is no admin: it sees its own user's sessions, not ops'.
            try (Connection app = proxy.connect("");
                    Statement s = app.createStatement()) {
                Map<Long, Map<String, String>> own = showSessions(s);
                assertFalse(own.containsKey(opsId), "app sees ops' session: " + own);
                assertTrue(own.keySet().containsAll(ids.values()), "app sees its own sessions: " + own);
                own.values().forEach(row -> assertEquals("app", row.get("user")));
            }

            // The counter and the gauge moved. The scrape is kept for deploy/grafana/check-dashboard.sh.
            String pinned = proxy.admin("/metrics");
            Files.writeString(Path.of("target", "sessions-it-metrics.prom"), pinned);
            for (String reason : pinning.keySet()) {
                assertTrue(
                        metric(pinned, "mysqlproxy_session_pins_total", reason) >= pinsBefore.get(reason) + 1,
                        reason + " pins");
                assertTrue(metric(pinned, "mysqlproxy_sessions_pinned", reason) >= 1, reason + " pinned");
            }
            assertTrue(
                    metric(pinned, "mysqlproxy_client_sessions", null) >= pinning.size() + 1,
                    pinned.lines()
                            .filter(l -> l.contains("client_sessions"))
                            .toList()
                            .toString());

            // Released: UNLOCK TABLES, COMMIT, SET autocommit = 1 end their holds; the gauge follows.
            statements.get("lock_tables").execute("UNLOCK TABLES");
            statements.get("transaction").execute("COMMIT");
            statements.get("autocommit_off").execute("SET autocommit = 1");
            statements.get("temporary_table").execute("DROP TEMPORARY TABLE t_sessions_it");
            statements.get("named_lock").execute("SELECT RELEASE_LOCK('sessions_it')");
            Map<Long, Map<String, String>> after = showSessions(admin);
            for (String released : List.of("lock_tables", "transaction", "autocommit_off")) {
                assertNull(after.get(ids.get(released)).get("holds"), released + ": " + after.get(ids.get(released)));
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> metric(proxy.admin("/metrics"), "mysqlproxy_sessions_pinned", released) == 0);
            }
            // Sticky by design: the proxy does not follow DROP TEMPORARY TABLE or RELEASE_LOCK.
            assertTrue(after.get(ids.get("temporary_table")).get("holds").contains("temporary_table"));
            assertTrue(after.get(ids.get("named_lock")).get("holds").contains("named_lock"));
        } finally {
            for (Connection c : opened) {
                c.close();
            }
        }
        // The sessions ended: none is pinned any more.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> metric(proxy.admin("/metrics"), "mysqlproxy_sessions_pinned", "temporary_table") == 0
                        && metric(proxy.admin("/metrics"), "mysqlproxy_sessions_pinned", "named_lock") == 0);
    }

    /** The proxy's connection id, which CONNECTION_ID() answers with. */
    private static long connectionId(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    /** SHOW PROXY SESSIONS, by connection id, each row by column name. */
    private static Map<Long, Map<String, String>> showSessions(Statement s) throws SQLException {
        Map<Long, Map<String, String>> rows = new HashMap<>();
        try (ResultSet rs = s.executeQuery("SHOW PROXY SESSIONS")) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i <= columns; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
                }
                rows.put(rs.getLong("id"), row);
            }
        }
        return rows;
    }

    private Map<Long, Map<?, ?>> sessionsJson() throws Exception {
        Map<Long, Map<?, ?>> sessions = new HashMap<>();
        for (Object session :
                (List<?>) JSON.std.mapFrom(proxy.admin("/sessions")).get("sessions")) {
            Map<?, ?> s = (Map<?, ?>) session;
            sessions.put(((Number) s.get("id")).longValue(), s);
        }
        return sessions;
    }

    /** The thread ids of app's connections on the primary. */
    private Set<Long> appThreadsOnPrimary() throws SQLException {
        Set<Long> ids = new HashSet<>();
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement();
                ResultSet rs = s.executeQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'app'")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** A sample of {@code name} (with {@code reason} as its label, or none) in a Prometheus scrape; 0 when absent. */
    private static double metric(String scrape, String name, String reason) {
        String series = reason == null ? name + " " : name + "{reason=\"" + reason + "\"} ";
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series)) {
                return Double.parseDouble(line.substring(series.length()));
            }
        }
        return 0;
    }
}

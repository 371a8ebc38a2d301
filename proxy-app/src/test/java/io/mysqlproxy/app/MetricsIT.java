package io.mysqlproxy.app;

import com.fasterxml.jackson.jr.ob.JSON;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A known mix of reads, writes and transactions through the proxy, and what the operators' views say
 * of it: the Prometheus counters per role and reason, the transactions counter and the per-backend
 * statement counts of {@code /backends} all agree with the mix, and so do SHOW PROXY BACKENDS and
 * SHOW PROXY STATS on the proxy port, which also agree value for value with {@code /backends} and
 * {@code /metrics} read at the same moment (and are not counted themselves); nothing secret or SQL
 * leaks into {@code /metrics}.
 */
@ExtendWith(TestBedExtension.class)
class MetricsIT {

    private static final Pattern STATEMENTS =
            Pattern.compile("^mysqlproxy_backend_statements_total\\{([^}]*)} ([0-9.E]+)$", Pattern.MULTILINE);
    private static final Pattern DECISIONS =
            Pattern.compile("^mysqlproxy_routing_decisions_total\\{reason=\"(\\w+)\"} ([0-9.E]+)$", Pattern.MULTILINE);
    /** The proxy's app account, marked admin so that the same session can read SHOW PROXY. */
    private static final String ADMIN_APP =
            "mysql-proxy.users = [ { name = app, password = app-secret, auth-plugin = mysql_native_password, "
                    + "admin = true } ]";

    @Test
    void countersAgreeWithAKnownMix(ReplicatedTestBed bed) throws Exception {
        try (Connection setup = ProxyFixture.connectDirect(bed, "");
                Statement s = setup.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS metrics_mix (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
        }
        bed.awaitReplication();
        try (ProxyFixture proxy = ProxyFixture.start(bed, ADMIN_APP);
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            List<Map<String, String>> showBackendsBefore = rows(s, "SHOW PROXY BACKENDS");
            Map<String, Long> showStatsBefore = stats(s);
            String before = proxy.admin("/metrics");
            String backendsBefore = proxy.admin("/backends");
            for (int i = 0; i < 40; i++) {
                try (ResultSet rs = s.executeQuery("SELECT " + i)) {
                    assertTrue(rs.next());
                }
            }
            for (int i = 0; i < 10; i++) {
                s.executeUpdate("INSERT INTO metrics_mix (v) VALUES (" + i + ")");
            }
            for (int i = 0; i < 5; i++) {
                s.execute("BEGIN");
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM metrics_mix")) {
                    assertTrue(rs.next());
                }
                s.executeUpdate("UPDATE metrics_mix SET v = v + 1 WHERE id = 1");
                s.execute("COMMIT");
            }
            List<Map<String, String>> showBackendsAfter = rows(s, "SHOW PROXY BACKENDS");
            Map<String, Long> showStatsAfter = stats(s);
            String after = proxy.admin("/metrics");
            String backendsAfter = proxy.admin("/backends");

            assertEquals(40, statements(after, "replica", "read") - statements(before, "replica", "read"), after);
            assertEquals(0, statements(after, "primary", "read") - statements(before, "primary", "read"));
            assertEquals(10, statements(after, "primary", "write") - statements(before, "primary", "write"));
            assertEquals(
                    20, statements(after, "primary", "transaction") - statements(before, "primary", "transaction"));
            assertEquals(
                    5, value(after, "mysqlproxy_transactions_total") - value(before, "mysqlproxy_transactions_total"));
            assertEquals(
                    70,
                    statements(after, null, null) - statements(before, null, null),
                    "every statement of the mix, and nothing else, was counted");

            assertEquals(
                    40,
                    backendStatements(backendsAfter, "replica") - backendStatements(backendsBefore, "replica"),
                    backendsAfter);
            assertEquals(
                    30,
                    backendStatements(backendsAfter, "primary") - backendStatements(backendsBefore, "primary"),
                    backendsAfter);

            // SHOW PROXY BACKENDS: the same counts per role as the mix, and /backends' values row for row.
            assertEquals(
                    40,
                    showStatements(showBackendsAfter, "replica") - showStatements(showBackendsBefore, "replica"),
                    showBackendsAfter.toString());
            assertEquals(
                    30,
                    showStatements(showBackendsAfter, "primary") - showStatements(showBackendsBefore, "primary"),
                    showBackendsAfter.toString());
            assertEquals(backendsJson(backendsBefore), backendsShown(showBackendsBefore), "before the mix");
            assertEquals(backendsJson(backendsAfter), backendsShown(showBackendsAfter), "after the mix");
            assertEquals(1 + bed.replicas().size(), showBackendsAfter.size());

            // SHOW PROXY STATS: the mix's decisions by reason and transactions, as /metrics counts them.
            assertEquals(
                    40, showStatsAfter.get("routing_decisions.read") - showStatsBefore.get("routing_decisions.read"));
            assertEquals(
                    10, showStatsAfter.get("routing_decisions.write") - showStatsBefore.get("routing_decisions.write"));
            assertEquals(
                    20,
                    showStatsAfter.get("routing_decisions.transaction")
                            - showStatsBefore.get("routing_decisions.transaction"));
            assertEquals(5, showStatsAfter.get("transactions") - showStatsBefore.get("transactions"));
            assertEquals(
                    70,
                    showStatsAfter.get("statements") - showStatsBefore.get("statements"),
                    "the mix, and not the SHOW PROXY statements, was counted");
            assertEquals(decisions(after), decisionStats(showStatsAfter), "routing decisions as /metrics has them");
            assertEquals(value(after, "mysqlproxy_transactions_total"), showStatsAfter.get("transactions"));
            assertEquals(statements(after, null, null), showStatsAfter.get("statements"));
            assertEquals(1, showStatsAfter.get("client_connections"));

            assertTrue(after.contains("mysqlproxy_backend_statement_duration_seconds_bucket"), "latency histogram");
            assertTrue(after.contains("mysqlproxy_client_connections 1.0"), "one client connected");
            assertFalse(after.contains("app-secret") || after.contains("monitor-secret"), "a password leaked");
            assertFalse(after.toUpperCase().contains("SELECT") || after.contains("metrics_mix"), "SQL text leaked");
        }
    }

    /** Sum of mysqlproxy_backend_statements_total over series matching role and reason (null: any). */
    private static long statements(String scrape, String role, String reason) {
        long sum = 0;
        Matcher m = STATEMENTS.matcher(scrape);
        while (m.find()) {
            String labels = m.group(1);
            if ((role == null || labels.contains("role=\"" + role + "\""))
                    && (reason == null || labels.contains("reason=\"" + reason + "\""))) {
                sum += (long) Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    private static long value(String scrape, String name) {
        Matcher m =
                Pattern.compile("^" + name + " ([0-9.E]+)$", Pattern.MULTILINE).matcher(scrape);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static long backendStatements(String json, String role) throws IOException {
        long sum = 0;
        for (Map<?, ?> backend : backends(json)) {
            if (backend.get("role").equals(role)) {
                sum += ((Number) backend.get("statements")).longValue();
            }
        }
        return sum;
    }

    /** The backends of a {@code /backends} document, parsed. */
    private static List<Map<?, ?>> backends(String json) throws IOException {
        List<Map<?, ?>> backends = new ArrayList<>();
        for (Object backend : (List<?>) JSON.std.mapFrom(json).get("backends")) {
            backends.add((Map<?, ?>) backend);
        }
        return backends;
    }

    /** The rows of a result set, by column label. */
    private static List<Map<String, String>> rows(Statement s, String sql) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static Map<String, Long> stats(Statement s) throws SQLException {
        Map<String, Long> stats = new TreeMap<>();
        for (Map<String, String> row : rows(s, "SHOW PROXY STATS")) {
            stats.put(row.get("name"), Long.parseLong(row.get("value")));
        }
        return stats;
    }

    private static long showStatements(List<Map<String, String>> backends, String role) {
        return backends.stream()
                .filter(b -> b.get("role").equals(role))
                .mapToLong(b -> Long.parseLong(b.get("statements")))
                .sum();
    }

    /** What SHOW PROXY BACKENDS and /backends both show of each backend, in their order. */
    private static List<String> backendsShown(List<Map<String, String>> backends) {
        return backends.stream()
                .map(b -> String.join(
                        " ",
                        b.get("address"),
                        b.get("role"),
                        b.get("state"),
                        b.get("outstanding"),
                        b.get("statements"),
                        b.get("errors"),
                        b.get("connections_open"),
                        b.get("connections_idle")))
                .toList();
    }

    private static List<String> backendsJson(String json) throws IOException {
        return backends(json).stream()
                .map(b -> {
                    Map<?, ?> connections = (Map<?, ?>) b.get("connections");
                    return String.join(
                            " ",
                            String.valueOf(b.get("address")),
                            String.valueOf(b.get("role")),
                            String.valueOf(b.get("state")),
                            String.valueOf(b.get("outstanding")),
                            String.valueOf(b.get("statements")),
                            String.valueOf(b.get("errors")),
                            String.valueOf(connections.get("open")),
                            String.valueOf(connections.get("idle")));
                })
                .toList();
    }

    /** mysqlproxy_routing_decisions_total by reason, as /metrics has them (reasons never decided are absent). */
    private static Map<String, Long> decisions(String scrape) {
        Map<String, Long> decisions = new TreeMap<>();
        Matcher m = DECISIONS.matcher(scrape);
        while (m.find()) {
            decisions.put(m.group(1), (long) Double.parseDouble(m.group(2)));
        }
        return decisions;
    }

    /** SHOW PROXY STATS' routing decisions by reason, leaving out those never decided. */
    private static Map<String, Long> decisionStats(Map<String, Long> stats) {
        Map<String, Long> decisions = new TreeMap<>();
        stats.forEach((name, value) -> {
            if (name.startsWith("routing_decisions.") && value > 0) {
                decisions.put(name.substring("routing_decisions.".length()), value);
            }
        });
        return decisions;
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A known mix of reads, writes and transactions through the proxy, and what the admin port says of
 * it: the Prometheus counters per role and reason, the transactions counter and the per-backend
 * statement counts of {@code /backends} all agree with the mix; nothing secret or SQL leaks into
 * {@code /metrics}.
 */
@ExtendWith(TestBedExtension.class)
class MetricsIT {

    private static final Pattern STATEMENTS = Pattern.compile(
            "^mysqlproxy_backend_statements_total\\{([^}]*)} ([0-9.E]+)$", Pattern.MULTILINE);
    private static final Pattern BACKENDS_STATEMENTS = Pattern.compile("\"role\":\"(\\w+)\"[^}]*\"statements\":(\\d+)");

    @Test
    void countersAgreeWithAKnownMix(ReplicatedTestBed bed) throws Exception {
        try (Connection setup = ProxyFixture.connectDirect(bed, ""); Statement s = setup.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS metrics_mix (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
        }
        bed.awaitReplication();
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP);
             Connection c = proxy.connect(""); Statement s = c.createStatement()) {
            String before = get(proxy, "/metrics");
            String backendsBefore = get(proxy, "/backends");
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
            String after = get(proxy, "/metrics");
            String backendsAfter = get(proxy, "/backends");

            assertEquals(40, statements(after, "replica", "read") - statements(before, "replica", "read"), after);
            assertEquals(0, statements(after, "primary", "read") - statements(before, "primary", "read"));
            assertEquals(10, statements(after, "primary", "write") - statements(before, "primary", "write"));
            assertEquals(20, statements(after, "primary", "transaction") - statements(before, "primary", "transaction"));
            assertEquals(5, value(after, "mysqlproxy_transactions_total") - value(before, "mysqlproxy_transactions_total"));
            assertEquals(70, statements(after, null, null) - statements(before, null, null),
                    "every statement of the mix, and nothing else, was counted");

            assertEquals(40, backendStatements(backendsAfter, "replica") - backendStatements(backendsBefore, "replica"),
                    backendsAfter);
            assertEquals(30, backendStatements(backendsAfter, "primary") - backendStatements(backendsBefore, "primary"),
                    backendsAfter);

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
        Matcher m = Pattern.compile("^" + name + " ([0-9.E]+)$", Pattern.MULTILINE).matcher(scrape);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static long backendStatements(String json, String role) {
        long sum = 0;
        Matcher m = BACKENDS_STATEMENTS.matcher(json);
        while (m.find()) {
            if (m.group(1).equals(role)) {
                sum += Long.parseLong(m.group(2));
            }
        }
        return sum;
    }

    private static String get(ProxyFixture proxy, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + proxy.server().adminPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), path);
        return response.body();
    }
}

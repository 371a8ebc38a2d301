package io.mysqlproxy.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard under deploy/ asks only for metrics the proxy has: every metric name in
 * its queries (panels and template variables) is a sample name in a live scrape.
 */
@ExtendWith(TestBedExtension.class)
class DashboardMetricsIT {

    private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "mysql-proxy-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\bmysqlproxy_[a-z0-9_]+\\b");

    @Test
    void everyMetricTheDashboardQueriesExists(ReplicatedTestBed bed) throws Exception {
        Set<String> queried = new TreeSet<>();
        collect(new ObjectMapper().readTree(Files.readString(DASHBOARD)), queried);
        assertTrue(queried.size() > 15, "the dashboard's metrics: " + queried);

        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP);
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.execute("SELECT 1");
            s.execute("BEGIN");
            s.execute("SELECT 1");
            s.execute("COMMIT");
            // What Prometheus reads: /metrics also refreshes the top digests' meters before it scrapes.
            String scrape = proxy.admin("/metrics");
            Set<String> missing = new TreeSet<>();
            for (String metric : queried) {
                if (!Pattern.compile("^" + metric + "[{ ]", Pattern.MULTILINE)
                        .matcher(scrape)
                        .find()) {
                    missing.add(metric);
                }
            }
            assertEquals(Set.of(), missing, "queried by the dashboard but not in /metrics");
        }
    }

    /** Every mysqlproxy_ name in any string of the JSON (queries live under targets[].expr and templating). */
    private static void collect(JsonNode node, Set<String> names) {
        if (node.isTextual()) {
            Matcher m = METRIC.matcher(node.asText());
            while (m.find()) {
                names.add(m.group());
            }
        }
        node.forEach(child -> collect(child, names));
    }
}

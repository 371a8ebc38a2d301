package io.mysqlproxy.app;

import com.fasterxml.jackson.jr.ob.JSON;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-query statistics end to end: statements with distinctive literal values (numbers, strings, dates, hex)
 * run through the proxy as {@code app}, in text and binary protocol, and SHOW PROXY QUERIES (as the admin
 * {@code ops}) and {@code /queries} (parsed with jackson-jr) count them under their digests, per role, with
 * the rows sent and the errors, and show none of the literal values anywhere.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides("""
        mysql-proxy.users = [
          { name = app, password = app-secret, auth-plugin = mysql_native_password }
          { name = ops, password = ops-secret, auth-plugin = mysql_native_password, admin = true }
        ]
        """)
class QueryStatsIT {

    private static final DbAccount OPS = new DbAccount("ops", "ops-secret");
    private static final String[] LITERALS = {
        "zebra-secret-7781",
        "zebra",
        "424242",
        "424243",
        "424244",
        "2031-07-19",
        "2031",
        "c0ffee",
        "C0FFEE",
        "98765",
        "31337"
    };
    private static final String INSERT = "INSERT INTO `qs_items` ( `id` , `name` , `d` , `b` ) VALUES (...)";
    private static final String SELECT = "SELECT `name` FROM `qs_items` WHERE `id` = ?";
    private static final String FAILING = "SELECT * FROM `qs_missing` WHERE `id` = ?";

    private final ReplicatedTestBed bed;
    private final ProxyFixture proxy;

    QueryStatsIT(ReplicatedTestBed bed, ProxyFixture proxy) {
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
                    + ".qs_items (id INT PRIMARY KEY, name VARCHAR(40), d DATE, b VARBINARY(8))");
            s.execute("CREATE TABLE IF NOT EXISTS " + ReplicatedTestBed.APP_DATABASE
                    + ".qs_paths (path VARCHAR(40), note VARCHAR(40))");
        }
        bed.awaitReplication();
    }

    @Test
    void countsPerDigestAndRoleWithoutALiteral() throws Exception {
        try (Connection ops = proxy.connect(OPS.user(), OPS.password(), "");
                Statement admin = ops.createStatement()) {
            admin.execute("PROXY RESET QUERIES");
            try (Connection app = proxy.connect("");
                    Statement s = app.createStatement()) {
                s.execute("DELETE FROM qs_items");
                for (int id = 424242; id <= 424244; id++) {
                    s.execute("INSERT INTO qs_items (id, name, d, b) VALUES (" + id
                            + ", 'zebra-secret-7781', '2031-07-19', X'C0FFEE')");
                }
                bed.awaitReplication();
                for (int id = 424242; id <= 424243; id++) {
                    try (ResultSet rs = s.executeQuery("SELECT name FROM qs_items WHERE id = " + id)) {
                        assertTrue(rs.next());
                    }
                }
                assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM qs_missing WHERE id = 98765"));
            }
            try (Connection app = proxy.connect("useServerPrepStmts=true");
                    PreparedStatement select = app.prepareStatement("SELECT name FROM qs_items WHERE id = ?")) {
                for (int id = 424242; id <= 424244; id++) {
                    select.setInt(1, id);
                    try (ResultSet rs = select.executeQuery()) {
                        assertTrue(rs.next());
                    }
                }
                select.setInt(1, 31337);
                try (ResultSet rs = select.executeQuery()) {
                    assertFalse(rs.next());
                }
            }

            List<Map<String, String>> rows = rows(admin, "SHOW PROXY QUERIES ORDER BY calls LIMIT 1000");
            assertNoLiteral(rows.toString());
            Map<String, String> insert = only(rows, INSERT, "primary");
            assertEquals("3", insert.get("calls"));
            assertEquals("0", insert.get("errors"));
            assertEquals("0", insert.get("rows"));
            // Two text-protocol SELECTs and four executions of the prepared one, which shares their digest.
            assertEquals(6, sum(rows, SELECT, "calls"), rows.toString());
            assertEquals(5, sum(rows, SELECT, "rows"), rows.toString());
            assertEquals(0, sum(rows, SELECT, "errors"));
            assertEquals(1, sum(rows, FAILING, "calls"));
            assertEquals(1, sum(rows, FAILING, "errors"));
            // The proxy's own statements count as role proxy (the reset itself went with what it reset).
            List<Map<String, String>> again = rows(admin, "SHOW PROXY QUERIES ORDER BY calls LIMIT 1000");
            assertEquals(
                    1,
                    again.stream()
                            .filter(r -> r.get("role").equals("proxy")
                                    && r.get("digest_text").startsWith("SHOW PROXY QUERIES ORDER BY"))
                            .mapToLong(r -> Long.parseLong(r.get("calls")))
                            .sum(),
                    again.toString());
            for (Map<String, String> row : rows) {
                assertEquals(16, row.get("digest").length(), row.toString());
                assertTrue(Long.parseLong(row.get("max_us")) >= Long.parseLong(row.get("min_us")), row.toString());
                assertTrue(Long.parseLong(row.get("p99_us")) <= Long.parseLong(row.get("max_us")), row.toString());
            }
            assertEquals(
                    1,
                    rows(admin, "SHOW PROXY QUERIES ORDER BY total_time DESC LIMIT 1")
                            .size());

            String json = proxy.admin("/queries?order=calls&limit=500");
            assertNoLiteral(json);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> queries =
                    (List<Map<String, Object>>) JSON.std.mapFrom(json).get("queries");
            long jsonSelectCalls = queries.stream()
                    .filter(q -> SELECT.equals(q.get("digest_text")))
                    .mapToLong(q -> ((Number) q.get("calls")).longValue())
                    .sum();
            assertEquals(6, jsonSelectCalls);
            String metrics = proxy.admin("/metrics");
            assertTrue(metrics.contains("mysqlproxy_query_digests "), "digest gauge");
            assertTrue(
                    metrics.contains("mysqlproxy_query_digest_calls_total{digest=\"" + insert.get("digest")
                            + "\",role=\"primary\"} 3.0"),
                    "top digest meters");
            assertNoLiteral(metrics.lines()
                    .filter(l -> l.startsWith("mysqlproxy_query"))
                    .toList()
                    .toString());

            admin.execute("PROXY RESET QUERIES");
            List<Map<String, String>> afterReset = rows(admin, "SHOW PROXY QUERIES");
            assertNull(find(afterReset, INSERT, "primary"), afterReset.toString());
        }
    }

    @Test
    void onlyAdminsSeeTheQueries() throws SQLException {
        try (Connection app = proxy.connect("");
                Statement s = app.createStatement()) {
            SQLException refused = assertThrows(SQLException.class, () -> s.executeQuery("SHOW PROXY QUERIES"));
            assertEquals(1227, refused.getErrorCode());
            assertEquals(
                    1227,
                    assertThrows(SQLException.class, () -> s.execute("PROXY RESET QUERIES"))
                            .getErrorCode());
        }
    }

    /**
     * Under NO_BACKSLASH_ESCAPES {@code 'C:\'} is a whole string, so the next literal is one too and not
     * left in the text; a statement with an unterminated back-tick (which the server refuses, 1064) is
     * counted without any of its words; a statement the proxy refuses (1227) counts as an error.
     */
    @Test
    void stringsAsTheSqlModeSaysAndNoWordOfAMalformedStatement() throws Exception {
        try (Connection ops = proxy.connect(OPS.user(), OPS.password(), "");
                Statement admin = ops.createStatement()) {
            admin.execute("PROXY RESET QUERIES");
            try (Connection app = proxy.connect("");
                    Statement s = app.createStatement()) {
                s.setEscapeProcessing(false);
                s.execute("SET sql_mode = 'NO_BACKSLASH_ESCAPES'");
                s.execute("INSERT INTO qs_paths (path, note) VALUES ('C:\\', 'hunter2-secret-5150')");
                SQLException malformed = assertThrows(
                        SQLException.class, () -> s.execute("SELECT `unterminated-secret-4711 FROM qs_paths"));
                assertEquals(1064, malformed.getErrorCode());
                assertEquals(
                        1227,
                        assertThrows(SQLException.class, () -> s.executeQuery("SHOW PROXY QUERIES"))
                                .getErrorCode());
            }
            // A statement the proxy answers itself is counted just after its answer went out, on the app's
            // event loop: the refused SHOW PROXY QUERIES may not be in yet when this connection asks.
            List<Map<String, String>> rows = Awaits.within(Duration.ofSeconds(5), "the refused statement counted")
                    .until(
                            () -> rows(admin, "SHOW PROXY QUERIES ORDER BY calls LIMIT 1000"),
                            listed -> find(listed, "SHOW PROXY QUERIES", "proxy") != null);
            String all = rows.toString() + proxy.admin("/queries?order=calls&limit=500");
            for (String secret : new String[] {"hunter2", "5150", "unterminated", "4711", "C:"}) {
                assertFalse(all.contains(secret), secret + " in " + all);
            }
            Map<String, String> insert =
                    only(rows, "INSERT INTO `qs_paths` ( `path` , `note` ) VALUES (...)", "primary");
            assertEquals("1", insert.get("calls"));
            assertEquals("0", insert.get("errors"));
            assertEquals(1, sum(rows, "<malformed statement>", "errors"), rows.toString());
            Map<String, String> refused = only(rows, "SHOW PROXY QUERIES", "proxy");
            assertEquals("1", refused.get("errors"), refused.toString());
        }
    }

    private static void assertNoLiteral(String output) {
        for (String literal : LITERALS) {
            assertFalse(output.contains(literal), "literal " + literal + " in " + output);
        }
    }

    private static Map<String, String> only(List<Map<String, String>> rows, String text, String role) {
        Map<String, String> row = find(rows, text, role);
        assertNotNull(row, text + " / " + role + " in " + rows);
        return row;
    }

    private static Map<String, String> find(List<Map<String, String>> rows, String text, String role) {
        return rows.stream()
                .filter(r -> text.equals(r.get("digest_text")) && role.equals(r.get("role")))
                .findFirst()
                .orElse(null);
    }

    private static long sum(List<Map<String, String>> rows, String text, String column) {
        return rows.stream()
                .filter(r -> text.equals(r.get("digest_text")))
                .mapToLong(r -> Long.parseLong(r.get(column)))
                .sum();
    }

    private static List<Map<String, String>> rows(Statement s, String sql) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}

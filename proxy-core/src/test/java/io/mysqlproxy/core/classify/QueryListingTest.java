package io.mysqlproxy.core.classify;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SHOW PROXY QUERIES [ORDER BY ...] [LIMIT n] and PROXY RESET QUERIES, read like the other admin statements. */
class QueryListingTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            SHOW PROXY QUERIES                              | total_time | true  | 100
            show proxy queries order by calls               | calls      | true  | 100
            SHOW PROXY QUERIES ORDER BY avg_time ASC LIMIT 5 | avg_time   | false | 5
            SHOW PROXY QUERIES ORDER BY last_seen DESC;     | last_seen  | true  | 100
            SHOW PROXY QUERIES LIMIT 0                      | total_time | true  | 0
            """)
    void options(String sql, String order, boolean descending, int limit) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        ProxyAdminStatement statement = ProxyAdminStatement.parse(bytes);
        assertEquals(ProxyAdminStatement.Kind.SHOW_QUERIES, statement.kind(), String.valueOf(statement.error()));
        QueryListing listing = QueryListing.parse(bytes, statement.statementStart());
        assertEquals(new QueryListing(order, descending, limit, null), listing);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SHOW PROXY QUERIES ORDER BY digest_text",
                "SHOW PROXY QUERIES ORDER calls",
                "SHOW PROXY QUERIES LIMIT -1",
                "SHOW PROXY QUERIES LIMIT x",
                "SHOW PROXY QUERIES LIMIT 5 ORDER BY calls",
                "PROXY RESET QUERIES now",
            })
    void malformedOptionsAreRefusedWithTheUsage(String sql) {
        ProxyAdminStatement statement = ProxyAdminStatement.parse(sql.getBytes(StandardCharsets.UTF_8));
        assertEquals(ProxyAdminStatement.Kind.INVALID, statement.kind());
        assertFalse(statement.error().isBlank());
        assertTrue(statement.error().contains("QUERIES"), statement.error());
    }

    @ParameterizedTest
    @ValueSource(strings = {"PROXY RESET QUERIES", "proxy reset queries;"})
    void reset(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        assertEquals(
                StatementKind.PROXY_ADMIN,
                StatementClassifier.classify(bytes, 0, bytes.length).kind());
        assertEquals(
                ProxyAdminStatement.Kind.RESET_QUERIES,
                ProxyAdminStatement.parse(bytes).kind());
    }
}

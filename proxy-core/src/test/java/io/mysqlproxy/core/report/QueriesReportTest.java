package io.mysqlproxy.core.report;

import com.fasterxml.jackson.jr.ob.JSON;
import io.mysqlproxy.core.stats.QueryOrder;
import io.mysqlproxy.core.stats.QueryRole;
import io.mysqlproxy.core.stats.QueryStats;
import io.mysqlproxy.protocol.packet.TextResultSet;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** /queries parsed back with jackson-jr, and SHOW PROXY QUERIES' columns. */
class QueriesReportTest {

    private static QueryStats stats() {
        QueryStats stats = new QueryStats(true, 50);
        stats.add(0xabcL, "SELECT `c` FROM `t` WHERE `id` = ?").record(QueryRole.REPLICA, 3_000_000, 1, false);
        stats.find(0xabcL).record(QueryRole.PRIMARY, 1_000_000, 0, true);
        stats.add(0xdefL, "SELECT \"quoted\" \\ ?").record(QueryRole.PRIMARY, 9_000_000, 7, false);
        return stats;
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonParsesBackWithEveryColumn() throws IOException {
        String json = QueriesReport.json(stats(), Map.of("order", "total_time", "limit", "2"));
        Map<String, Object> root = JSON.std.mapFrom(json);
        assertEquals(2, ((Number) root.get("digests")).intValue());
        assertEquals(50, ((Number) root.get("max_digests")).intValue());
        assertEquals("total_time desc", root.get("order"));
        List<Map<String, Object>> queries = (List<Map<String, Object>>) root.get("queries");
        assertEquals(2, queries.size());
        Map<String, Object> top = queries.get(0);
        assertEquals(QueriesReport.COLUMNS, List.copyOf(top.keySet()));
        assertEquals("0000000000000def", top.get("digest"));
        assertEquals("SELECT \"quoted\" \\ ?", top.get("digest_text"));
        assertEquals("primary", top.get("role"));
        assertEquals(7, ((Number) top.get("rows")).intValue());
        assertEquals(9_000, ((Number) top.get("total_us")).intValue());
        assertEquals("replica", queries.get(1).get("role"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void ordersAscendingOnRequest() throws IOException {
        String json = QueriesReport.json(stats(), Map.of("order", "errors", "direction", "asc"));
        List<Map<String, Object>> queries =
                (List<Map<String, Object>>) JSON.std.mapFrom(json).get("queries");
        assertEquals(3, queries.size());
        assertEquals(1, ((Number) queries.get(2).get("errors")).intValue());
    }

    @Test
    void badParametersAreRefused() {
        QueryStats stats = stats();
        assertThrows(IllegalArgumentException.class, () -> QueriesReport.json(stats, Map.of("order", "text")));
        assertThrows(IllegalArgumentException.class, () -> QueriesReport.json(stats, Map.of("limit", "-3")));
        assertThrows(IllegalArgumentException.class, () -> QueriesReport.json(stats, Map.of("direction", "up")));
    }

    @Test
    void resultSetHasOneRowPerDigestAndRole() {
        TextResultSet result = QueriesReport.resultSet(stats().rows(QueryOrder.CALLS, true, 10));
        assertEquals(QueriesReport.COLUMNS.size(), result.columns().size());
        assertEquals(3, result.rows().size());
    }
}

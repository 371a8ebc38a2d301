package io.mysqlproxy.core.report;

import com.fasterxml.jackson.jr.ob.JSON;
import io.mysqlproxy.core.stats.QueryOrder;
import io.mysqlproxy.core.stats.QueryStats;
import io.mysqlproxy.core.stats.QueryStatsRow;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SHOW PROXY QUERIES and {@code /queries}: one row per digest and role with its normalised text (never a
 * literal value), calls, errors, rows sent, latency total / avg / min / max and p50 / p95 / p99 from the
 * histogram (µs), first and last seen. The JSON is written by jackson-jr.
 */
public final class QueriesReport {

    static final List<String> COLUMNS = List.of(
            "digest",
            "digest_text",
            "role",
            "calls",
            "errors",
            "rows",
            "total_us",
            "avg_us",
            "min_us",
            "max_us",
            "p50_us",
            "p95_us",
            "p99_us",
            "first_seen",
            "last_seen");

    /** Rows {@code /queries} shows without {@code limit}. */
    static final int DEFAULT_JSON_LIMIT = 1000;

    private QueriesReport() {}

    public static TextResultSet resultSet(List<QueryStatsRow> rows) {
        List<ColumnDefinition41> columns = new ArrayList<>(COLUMNS.size());
        for (String column : COLUMNS) {
            boolean text = column.startsWith("digest") || column.equals("role") || column.endsWith("_seen");
            columns.add(text ? ColumnDefinition41.text(column) : ColumnDefinition41.bigint(column));
        }
        List<TextRow> out = new ArrayList<>(rows.size());
        for (QueryStatsRow row : rows) {
            List<Object> values = values(row);
            String[] cells = new String[values.size()];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = String.valueOf(values.get(i));
            }
            out.add(TextRow.of(cells));
        }
        return new TextResultSet(columns, out);
    }

    /**
     * {@code {"digests": n, "max_digests": n, "evictions": n, "order": "...", "queries": [{...}, ...]}}, the
     * rows sorted by {@code order} (descending unless {@code descending} is false), at most {@code limit}.
     */
    public static String json(QueryStats stats, QueryOrder order, boolean descending, int limit) {
        List<Map<String, Object>> queries = new ArrayList<>();
        for (QueryStatsRow row : stats.rows(order, descending, limit)) {
            Map<String, Object> query = new LinkedHashMap<>();
            List<Object> values = values(row);
            for (int i = 0; i < COLUMNS.size(); i++) {
                query.put(COLUMNS.get(i), values.get(i));
            }
            queries.add(query);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("enabled", stats.enabled());
        root.put("digests", stats.size());
        root.put("max_digests", stats.maxDigests());
        root.put("evictions", stats.evictions());
        root.put("order", order.label() + (descending ? " desc" : " asc"));
        root.put("queries", queries);
        try {
            return JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #json(QueryStats, QueryOrder, boolean, int)} for {@code /queries?order=calls&desc=false&limit=20}. */
    public static String json(QueryStats stats, Map<String, String> parameters) {
        String orderName = parameters.getOrDefault("order", "total_time");
        QueryOrder order = QueryOrder.parse(orderName);
        if (order == null) {
            throw new IllegalArgumentException("order must be one of "
                    + java.util.Arrays.stream(QueryOrder.values())
                            .map(QueryOrder::label)
                            .toList() + ", not " + orderName);
        }
        String direction = parameters.getOrDefault("direction", "desc");
        if (!direction.equalsIgnoreCase("desc") && !direction.equalsIgnoreCase("asc")) {
            throw new IllegalArgumentException("direction must be asc or desc, not " + direction);
        }
        String limit = parameters.getOrDefault("limit", String.valueOf(DEFAULT_JSON_LIMIT));
        int rows;
        try {
            rows = Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            rows = -1;
        }
        if (rows < 0) {
            throw new IllegalArgumentException("limit must be a whole number of rows, not " + limit);
        }
        return json(stats, order, direction.equalsIgnoreCase("desc"), rows);
    }

    private static List<Object> values(QueryStatsRow row) {
        return List.of(
                row.digestHex(),
                row.text(),
                row.role().label(),
                row.calls(),
                row.errors(),
                row.rows(),
                row.totalMicros(),
                row.avgMicros(),
                row.minMicros(),
                row.maxMicros(),
                row.p50Micros(),
                row.p95Micros(),
                row.p99Micros(),
                Instant.ofEpochMilli(row.firstSeen()).toString(),
                Instant.ofEpochMilli(row.lastSeen()).toString());
    }
}

package io.mysqlproxy.core.report;

import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;

import java.util.ArrayList;
import java.util.List;

/** The result set of SHOW PROXY STATS: the proxy-wide figures of {@link ProxyMetrics#stats()}, one per row. */
public final class StatsReport {

    private static final List<ColumnDefinition41> COLUMNS =
            List.of(ColumnDefinition41.text("name"), ColumnDefinition41.bigint("value"));

    private StatsReport() {}

    public static TextResultSet resultSet(List<ProxyMetrics.Stat> stats) {
        List<TextRow> rows = new ArrayList<>(stats.size());
        for (ProxyMetrics.Stat stat : stats) {
            rows.add(TextRow.of(stat.name(), String.valueOf(stat.value())));
        }
        return new TextResultSet(COLUMNS, rows);
    }
}

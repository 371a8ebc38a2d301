package io.mysqlproxy.core.stats;

import java.util.Comparator;
import java.util.Locale;

/** What SHOW PROXY QUERIES ORDER BY and {@code /queries?order=} sort on. */
public enum QueryOrder {
    CALLS(Comparator.comparingLong(QueryStatsRow::calls)),
    TOTAL_TIME(Comparator.comparingLong(QueryStatsRow::totalMicros)),
    AVG_TIME(Comparator.comparingLong(QueryStatsRow::avgMicros)),
    MAX_TIME(Comparator.comparingLong(QueryStatsRow::maxMicros)),
    ROWS(Comparator.comparingLong(QueryStatsRow::rows)),
    ERRORS(Comparator.comparingLong(QueryStatsRow::errors)),
    LAST_SEEN(Comparator.comparingLong(QueryStatsRow::lastSeen));

    private final Comparator<QueryStatsRow> comparator;

    QueryOrder(Comparator<QueryStatsRow> comparator) {
        // Ties in a stable order, so that a LIMIT cuts the same rows twice.
        this.comparator = comparator.thenComparingLong(QueryStatsRow::digest).thenComparing(QueryStatsRow::role);
    }

    Comparator<QueryStatsRow> comparator() {
        return comparator;
    }

    /** {@code calls}, {@code total_time}, ... in any case; null for anything else. */
    public static QueryOrder parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

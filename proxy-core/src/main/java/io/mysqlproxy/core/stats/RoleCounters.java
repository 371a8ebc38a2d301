package io.mysqlproxy.core.stats;

/**
 * The counters of one digest on one backend role. Recording takes the object's monitor: uncontended (one
 * event loop at a time) it is a compare-and-set, and it keeps the row consistent for readers; nothing is
 * allocated.
 */
final class RoleCounters {

    private long calls;
    private long errors;
    private long rows;
    private long totalMicros;
    private long minMicros = Long.MAX_VALUE;
    private long maxMicros;
    private long firstSeen;
    private long lastSeen;
    private final long[] buckets = new long[LatencyBuckets.COUNT];

    synchronized void record(long micros, long rowsSent, boolean failed, long nowMillis) {
        if (calls++ == 0) {
            firstSeen = nowMillis;
        }
        lastSeen = nowMillis;
        if (failed) {
            errors++;
        }
        rows += rowsSent;
        totalMicros += micros;
        minMicros = Math.min(minMicros, micros);
        maxMicros = Math.max(maxMicros, micros);
        buckets[LatencyBuckets.index(micros)]++;
    }

    synchronized long totalMicros() {
        return totalMicros;
    }

    synchronized long calls() {
        return calls;
    }

    synchronized QueryStatsRow row(long digest, String text, QueryRole role) {
        return new QueryStatsRow(
                digest,
                text,
                role,
                calls,
                errors,
                rows,
                totalMicros,
                calls == 0 ? 0 : minMicros,
                maxMicros,
                LatencyBuckets.percentile(buckets, calls, 0.50, maxMicros),
                LatencyBuckets.percentile(buckets, calls, 0.95, maxMicros),
                LatencyBuckets.percentile(buckets, calls, 0.99, maxMicros),
                firstSeen,
                lastSeen);
    }
}

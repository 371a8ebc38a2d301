package io.mysqlproxy.core.stats;

import io.mysqlproxy.core.classify.StatementDigest;

/**
 * What SHOW PROXY QUERIES and {@code /queries} show of one digest on one role; latencies in µs, times in
 * milliseconds since the epoch. {@code text} is the normalised text, never a literal value.
 */
public record QueryStatsRow(
        long digest,
        String text,
        QueryRole role,
        long calls,
        long errors,
        long rows,
        long totalMicros,
        long minMicros,
        long maxMicros,
        long p50Micros,
        long p95Micros,
        long p99Micros,
        long firstSeen,
        long lastSeen) {

    public long avgMicros() {
        return calls == 0 ? 0 : totalMicros / calls;
    }

    public String digestHex() {
        return StatementDigest.hex(digest);
    }
}

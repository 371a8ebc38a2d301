package io.mysqlproxy.core.stats;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The query statistics in {@code /metrics}: {@code mysqlproxy_query_digests}, {@code
 * mysqlproxy_query_digest_evictions_total}, and for the {@value #TOP} digests with the most total time,
 * {@code mysqlproxy_query_digest_seconds_total} and {@code mysqlproxy_query_digest_calls_total} labelled
 * {@code digest} (the hex id; the text is in {@code /queries} only) and {@code role}. Which digests are
 * exported is refreshed before a scrape, at most once per interval, so the label set stays bounded and
 * no thread of its own is needed.
 */
public final class QueryStatsMeters {

    static final int TOP = 20;

    private final QueryStats stats;
    private final MeterRegistry registry;
    private final long intervalNanos;
    /** The exported (digest, role) pairs: the counters read and the two meters registered for them. */
    private final Map<String, Exported> exported = new HashMap<>();

    private long refreshedAt;
    private boolean refreshed;

    private record Exported(RoleCounters counters, List<Meter> meters) {}

    /** Registers the meters; the top digests are re-chosen at most every {@code interval}. */
    public QueryStatsMeters(QueryStats stats, MeterRegistry registry, Duration interval) {
        this.stats = stats;
        this.registry = registry;
        this.intervalNanos = interval.toNanos();
        Gauge.builder("mysqlproxy.query.digests", stats, QueryStats::size)
                .description("Statement digests counted now (bounded by stats.max-digests)")
                .register(registry);
        FunctionCounter.builder("mysqlproxy.query.digest.evictions", stats, QueryStats::evictions)
                .description("Digests evicted, least recently seen first, to stay within stats.max-digests")
                .register(registry);
    }

    /** Before a scrape: re-chooses the exported digests if the interval has passed since the last time. */
    public synchronized void refreshIfDue() {
        long now = System.nanoTime();
        if (refreshed && now - refreshedAt < intervalNanos) {
            return;
        }
        refreshed = true;
        refreshedAt = now;
        refresh();
    }

    /** Exports the current top digests by total time and drops the meters of those no longer among them. */
    synchronized void refresh() {
        Map<String, Exported> next = new HashMap<>();
        for (QueryStatsRow row : stats.rows(QueryOrder.TOTAL_TIME, true, TOP)) {
            DigestEntry entry = stats.find(row.digest());
            RoleCounters counters = entry == null ? null : entry.existing(row.role());
            if (counters == null) {
                continue;
            }
            String key = row.digestHex() + '/' + row.role().label();
            Exported current = exported.remove(key);
            if (current != null && current.counters() == counters) {
                next.put(key, current);
            } else {
                if (current != null) {
                    current.meters().forEach(registry::remove);
                }
                next.put(key, new Exported(counters, register(row, counters)));
            }
        }
        exported.values().forEach(gone -> gone.meters().forEach(registry::remove));
        exported.clear();
        exported.putAll(next);
    }

    private List<Meter> register(QueryStatsRow row, RoleCounters counters) {
        String digest = row.digestHex();
        String role = row.role().label();
        return List.of(
                FunctionCounter.builder("mysqlproxy.query.digest.seconds", counters, c -> c.totalMicros() / 1_000_000.0)
                        .description("Time spent in statements of a top digest (by total time), dispatch to response")
                        .tags("digest", digest, "role", role)
                        .register(registry),
                FunctionCounter.builder("mysqlproxy.query.digest.calls", counters, RoleCounters::calls)
                        .description("Statements of a top digest (by total time)")
                        .tags("digest", digest, "role", role)
                        .register(registry));
    }
}

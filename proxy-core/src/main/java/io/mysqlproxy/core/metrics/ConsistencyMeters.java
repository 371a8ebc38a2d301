package io.mysqlproxy.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;

/**
 * Global consistency at work: the primary position lookups shared by all sessions' reads (how many,
 * how many failed, how many reads each served), and what the reads then did on their replicas
 * (waited there for the position, or went to the primary instead).
 */
public final class ConsistencyMeters {

    private final Counter lookups;
    private final Counter lookupFailures;
    private final DistributionSummary readsPerLookup;
    private final Counter waits;
    private final Counter fallbacks;

    ConsistencyMeters(MeterRegistry registry) {
        lookups = Counter.builder("mysqlproxy_global_position_lookups")
                .description("Reads of the primary's GTID position for global consistency, each shared by many reads")
                .register(registry);
        lookupFailures = Counter.builder("mysqlproxy_global_position_lookup_failures")
                .description("Position lookups that failed (their reads went to the primary)")
                .register(registry);
        readsPerLookup = DistributionSummary.builder("mysqlproxy_global_position_reads_per_lookup")
                .description("Reads served by one position lookup")
                .register(registry);
        waits = Counter.builder("mysqlproxy_global_consistency_waits")
                .description("Global-consistency reads that waited on their replica for the primary's position "
                        + "(a replica seen at it already costs no wait)")
                .register(registry);
        fallbacks = Counter.builder("mysqlproxy_global_consistency_fallbacks")
                .description("Global-consistency reads sent to the primary: the position was not read, or the "
                        + "replica had not applied it within routing.consistency-wait-timeout")
                .register(registry);
    }

    /** A lookup answered {@code reads} reads. */
    public void lookedUp(int reads) {
        lookups.increment();
        readsPerLookup.record(reads);
    }

    /** A lookup failed, sending {@code reads} reads to the primary. */
    public void lookupFailed(int reads) {
        lookups.increment();
        lookupFailures.increment();
        readsPerLookup.record(reads);
    }

    public void waited() {
        waits.increment();
    }

    public void fellBack() {
        fallbacks.increment();
    }

    void addStats(List<ProxyMetrics.Stat> stats) {
        stats.add(new ProxyMetrics.Stat("global_position_lookups", (long) lookups.count()));
        stats.add(new ProxyMetrics.Stat("global_position_lookup_failures", (long) lookupFailures.count()));
        stats.add(new ProxyMetrics.Stat("global_position_reads", (long) readsPerLookup.totalAmount()));
        stats.add(new ProxyMetrics.Stat("global_consistency_waits", (long) waits.count()));
        stats.add(new ProxyMetrics.Stat("global_consistency_fallbacks", (long) fallbacks.count()));
    }
}

package io.mysqlproxy.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * What the primary's outages cost clients: statements that waited for it ({@code backends.primary-outage-buffer})
 * and how their waits ended, and transactions lost with the connection they were on.
 */
public final class OutageMeters {

    /** How a wait may end, as the buffer labels it; each is listed in SHOW PROXY STATS even before it happens. */
    private static final List<String> OUTCOMES = List.of("resumed", "expired", "rejected", "abandoned");

    private final MeterRegistry registry;
    private final Counter transactionsLost;
    private final Timer waits;
    /** Ended waits by outcome label, registered on first use. */
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();

    private volatile IntSupplier waiting = () -> 0;

    OutageMeters(MeterRegistry registry) {
        this.registry = registry;
        transactionsLost = Counter.builder("mysqlproxy_transactions_lost")
                .description("Client transactions ended with error 1158 because their backend connection was lost")
                .register(registry);
        Gauge.builder("mysqlproxy_primary_buffered_statements", this, m -> m.waiting.getAsInt())
                .description("Statements waiting for the primary to come back (backends.primary-outage-buffer)")
                .register(registry);
        waits = Timer.builder("mysqlproxy_primary_buffer_wait")
                .description("How long statements waited for the primary to come back, whatever the outcome")
                .publishPercentileHistogram()
                .register(registry);
    }

    /** Where the number of statements waiting now is read from. */
    public void waiting(IntSupplier source) {
        waiting = source;
    }

    /** A statement's wait for the primary ended with {@code outcome} after {@code nanos} (0: it never waited). */
    public void waitEnded(String outcome, long nanos) {
        outcomes.computeIfAbsent(
                        outcome,
                        o -> Counter.builder("mysqlproxy_primary_buffer_waits")
                                .description("Statements that found the primary away, by how their wait ended")
                                .tag("outcome", o)
                                .register(registry))
                .increment();
        if (nanos > 0) {
            waits.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A client transaction was lost with its backend connection (the client got 1158). */
    public void transactionLost() {
        transactionsLost.increment();
    }

    void addStats(List<ProxyMetrics.Stat> stats) {
        stats.add(new ProxyMetrics.Stat("primary_buffered_statements", waiting.getAsInt()));
        for (String outcome : OUTCOMES) {
            Counter counter = outcomes.get(outcome);
            stats.add(new ProxyMetrics.Stat(
                    "primary_buffer_waits." + outcome, counter == null ? 0 : (long) counter.count()));
        }
        stats.add(new ProxyMetrics.Stat("transactions_lost", (long) transactionsLost.count()));
    }
}

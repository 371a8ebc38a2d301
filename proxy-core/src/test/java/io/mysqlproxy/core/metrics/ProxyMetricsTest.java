package io.mysqlproxy.core.metrics;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.Topology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reasons and per-backend meters come from the composition root; the metrics label and remove them. */
class ProxyMetricsTest {

    private enum Reason {
        READ,
        WRITE
    }

    private enum Other {
        READ
    }

    private final Backend primary = new Backend(new HostPort("db", 3306), BackendRole.PRIMARY, "db:3306");
    private final ProxyMetrics metrics = new ProxyMetrics(
            () -> Topology.of(primary, List.of()),
            new AtomicInteger(),
            Reason.class,
            r -> r.name().toLowerCase(Locale.ROOT),
            List.of(
                    BackendMeter.gauge("test_open", "open", b -> 7),
                    BackendMeter.counter("test_waits", "waits", b -> 3)));

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void countsDecisionsByTheReasonsItWasGiven() {
        metrics.register(primary);
        metrics.routed(primary, Reason.WRITE);
        metrics.routed(primary, Reason.WRITE);

        String scrape = metrics.scrape();
        assertTrue(scrape.contains("mysqlproxy_routing_decisions_total{reason=\"write\"} 2.0"), scrape);
        assertTrue(metrics.stats().contains(new ProxyMetrics.Stat("routing_decisions.read", 0)));
        assertTrue(metrics.stats().contains(new ProxyMetrics.Stat("routing_decisions.write", 2)));
        assertTrue(metrics.stats().contains(new ProxyMetrics.Stat("statements", 2)));
    }

    @Test
    void refusesAReasonOfAnotherEnum() {
        assertThrows(IllegalArgumentException.class, () -> metrics.routed(primary, Other.READ));
    }

    @Test
    void givesEveryBackendTheExtraMetersAndRemovesThemWithIt() {
        metrics.register(primary);
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("test_open{backend=\"db:3306\",pod=\"\",role=\"primary\"} 7.0"), scrape);
        assertTrue(scrape.contains("test_waits_total{backend=\"db:3306\",pod=\"\",role=\"primary\"} 3.0"), scrape);

        metrics.removed(primary);
        assertFalse(metrics.scrape().contains("test_open{"));
        assertEquals(
                1,
                metrics.stats().stream()
                        .filter(s -> s.name().equals("backends_removed"))
                        .findFirst()
                        .orElseThrow()
                        .value());
    }
}

package io.mysqlproxy.core.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pin counter counts gains only; the pinned gauge follows gains and losses; the reasons exist at 0 up front. */
class SessionMetersTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final SessionMeters meters = new SessionMeters(registry);

    @Test
    void gainsAreCountedAndTheGaugeFollowsGainsAndLosses() {
        meters.holdReasons(List.of("transaction", "lock_tables"));
        AtomicInteger live = new AtomicInteger(3);
        meters.clientSessions(live::get);
        String before = registry.scrape();
        assertTrue(before.contains("mysqlproxy_session_pins_total{reason=\"lock_tables\"} 0.0"), before);
        assertTrue(before.contains("mysqlproxy_sessions_pinned{reason=\"transaction\"} 0.0"), before);
        assertTrue(before.contains("mysqlproxy_client_sessions 3.0"), before);

        meters.gained("lock_tables");
        meters.gained("lock_tables");
        meters.gained("transaction");
        meters.released("lock_tables");
        assertEquals(2, meters.pins("lock_tables"));
        assertEquals(1, meters.pinned("lock_tables"));
        assertEquals(1, meters.pinned("transaction"));
        meters.released("transaction");
        live.set(5);

        String after = registry.scrape();
        assertTrue(after.contains("mysqlproxy_session_pins_total{reason=\"lock_tables\"} 2.0"), after);
        assertTrue(after.contains("mysqlproxy_session_pins_total{reason=\"transaction\"} 1.0"), after);
        assertTrue(after.contains("mysqlproxy_sessions_pinned{reason=\"lock_tables\"} 1.0"), after);
        assertTrue(after.contains("mysqlproxy_sessions_pinned{reason=\"transaction\"} 0.0"), after);
        assertTrue(after.contains("mysqlproxy_client_sessions 5.0"), after);
    }

    @Test
    void aReasonNotListedUpFrontIsMeteredOnFirstUse() {
        meters.gained("named_lock");
        assertTrue(registry.scrape().contains("mysqlproxy_sessions_pinned{reason=\"named_lock\"} 1.0"));
    }
}

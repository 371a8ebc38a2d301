package io.mysqlproxy.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** What discovery refuses: endpoints of the database Service that are not its servers. */
public final class DiscoveryMeters {

    private final MeterRegistry registry;

    public DiscoveryMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The counter of endpoints ignored for {@code reason}, a bounded label the discovery defines
     * ({@code no_target_ref}, {@code foreign_pod}, {@code label} for Kubernetes), registered at 0.
     */
    public Runnable endpointsIgnored(String reason) {
        return Counter.builder("mysqlproxy_discovery_endpoints_ignored")
                .description("Endpoints of the database Service that discovery did not take as servers, by reason")
                .tag("reason", reason)
                .register(registry)::increment;
    }
}

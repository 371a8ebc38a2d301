package io.mysqlproxy.core.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class DiscoveryMetersTest {

    @Test
    void eachReasonIsScrapedFromZeroAndCounts() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        DiscoveryMeters meters = new DiscoveryMeters(registry);
        Runnable foreign = meters.endpointsIgnored("foreign_pod");
        meters.endpointsIgnored("no_target_ref");
        String before = registry.scrape();
        assertTrue(before.contains("mysqlproxy_discovery_endpoints_ignored_total{reason=\"foreign_pod\"} 0.0"), before);
        assertTrue(
                before.contains("mysqlproxy_discovery_endpoints_ignored_total{reason=\"no_target_ref\"} 0.0"), before);

        foreign.run();
        foreign.run();
        String after = registry.scrape();
        assertTrue(after.contains("mysqlproxy_discovery_endpoints_ignored_total{reason=\"foreign_pod\"} 2.0"), after);
        assertTrue(after.contains("mysqlproxy_discovery_endpoints_ignored_total{reason=\"no_target_ref\"} 0.0"), after);
    }
}

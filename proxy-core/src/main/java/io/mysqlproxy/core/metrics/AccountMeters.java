package io.mysqlproxy.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reading the servers' accounts ({@code user-source = servers | both}): how many the last good read
 * found, reads done and reads failed. Never a user name as a label.
 */
public final class AccountMeters {

    private final AtomicInteger loaded = new AtomicInteger();
    private final Counter refreshes;
    private final Counter failures;

    public AccountMeters(MeterRegistry registry) {
        Gauge.builder("mysqlproxy_accounts_loaded", loaded, AtomicInteger::get)
                .description("Accounts of the primary's mysql.user the proxy knows (from the last good read)")
                .register(registry);
        refreshes = Counter.builder("mysqlproxy_account_refreshes")
                .description("Reads of the primary's accounts that succeeded")
                .register(registry);
        failures = Counter.builder("mysqlproxy_account_refresh_failures")
                .description("Reads of the primary's accounts that failed (the accounts read last stay)")
                .register(registry);
    }

    public void refreshed(int accounts) {
        loaded.set(accounts);
        refreshes.increment();
    }

    public void refreshFailed() {
        failures.increment();
    }
}

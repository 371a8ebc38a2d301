package io.mysqlproxy.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.function.IntSupplier;

/**
 * The failed-login defence at work ({@code client.max-connect-errors} and its delays) and the
 * per-user session limit: blocks, logins answered late or refused, addresses blocked now.
 * Never an address or user name as a label.
 */
public final class LoginMeters {

    private final Counter blocks;
    private final Counter delayed;
    private final Counter refusedBlocked;
    private final Counter userLimit;
    private volatile IntSupplier blockedHosts = () -> 0;

    LoginMeters(MeterRegistry registry) {
        blocks = Counter.builder("mysqlproxy_host_blocks")
                .description("Client addresses blocked after client.max-connect-errors failed logins")
                .register(registry);
        delayed = Counter.builder("mysqlproxy_delayed_logins")
                .description("Logins answered late because their address had failed logins in a row")
                .register(registry);
        refusedBlocked = Counter.builder("mysqlproxy_blocked_host_refusals")
                .description("Connections refused with error 1129 because their address was blocked")
                .register(registry);
        userLimit = Counter.builder("mysqlproxy_user_limit_refusals")
                .description("Logins refused with error 1226 because the user had users[].max-connections sessions")
                .register(registry);
        Gauge.builder("mysqlproxy_blocked_hosts", this, m -> m.blockedHosts.getAsInt())
                .description("Client addresses blocked now")
                .register(registry);
    }

    /** Where the number of addresses blocked now is read from. */
    public void blockedHosts(IntSupplier source) {
        blockedHosts = source;
    }

    public void hostBlocked() {
        blocks.increment();
    }

    public void loginDelayed() {
        delayed.increment();
    }

    public void blockedHostRefused() {
        refusedBlocked.increment();
    }

    public void userLimitReached() {
        userLimit.increment();
    }

    void addStats(List<ProxyMetrics.Stat> stats) {
        stats.add(new ProxyMetrics.Stat("blocked_hosts", blockedHosts.getAsInt()));
        stats.add(new ProxyMetrics.Stat("host_blocks", (long) blocks.count()));
        stats.add(new ProxyMetrics.Stat("delayed_logins", (long) delayed.count()));
        stats.add(new ProxyMetrics.Stat("blocked_host_refusals", (long) refusedBlocked.count()));
        stats.add(new ProxyMetrics.Stat("user_limit_refusals", (long) userLimit.count()));
    }
}

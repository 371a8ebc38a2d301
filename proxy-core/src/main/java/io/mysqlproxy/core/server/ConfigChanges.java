package io.mysqlproxy.core.server;

import io.mysqlproxy.core.config.ProxyConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a configuration reload may change while the proxy runs. Listeners, event loops, TLS,
 * pools, timeouts of connections already made, the primary, discovery and the health checks'
 * cadence, and where users come from and how often the servers' accounts are read ({@code user-source},
 * {@code user-refresh-*}) are set up once at start; users, replicas, weights, routing consistency and the lag
 * limit are read afresh by each session or check, so a new value simply takes effect (the session
 * limits for the sessions that log in after the reload).
 */
final class ConfigChanges {

    private ConfigChanges() {}

    /** {@code next}'s reloadable settings on top of {@code current}'s others. */
    static ProxyConfig reloadable(ProxyConfig current, ProxyConfig next) {
        ProxyConfig.Backends backends = current.backends();
        ProxyConfig.Routing routing = next.routing();
        ProxyConfig.Health health = current.health();
        return new ProxyConfig(
                current.listenHost(),
                current.listenPort(),
                current.admin(),
                current.eventLoopThreads(),
                current.serverVersion(),
                new ProxyConfig.Backends(
                        backends.primary(),
                        backends.primaryMode(),
                        next.backends().replicas(),
                        next.backends().weights(),
                        backends.connectTimeout(),
                        backends.handshakeTimeout(),
                        backends.pool(),
                        next.backends().primaryOutageBuffer(),
                        backends.passwordExchange(),
                        backends.tls()),
                next.users(),
                current.monitor(),
                current.client(),
                new ProxyConfig.Routing(
                        routing.consistency(),
                        routing.consistencyWaitTimeout(),
                        routing.consistencyCooldown(),
                        routing.consistencyLookupInterval(),
                        current.routing().readOnlyTransactionsOnReplica(),
                        routing.readsFallBackToPrimary(),
                        current.routing().balancer()),
                new ProxyConfig.Health(
                        health.interval(),
                        health.timeout(),
                        next.health().maxReplicationLag(),
                        health.ejectAfter(),
                        health.readmitAfter()),
                current.discovery(),
                next.drainTimeout(),
                current.reloadWatchInterval(),
                next.session(),
                current.accounts(),
                current.stats());
    }

    /** The settings that differ between {@code current} and {@code next} but only take effect at a restart. */
    static List<String> needingRestart(ProxyConfig current, ProxyConfig next) {
        List<String> keys = new ArrayList<>();
        differs(
                keys,
                "listen",
                current.listenHost() + ":" + current.listenPort(),
                next.listenHost() + ":" + next.listenPort());
        differs(keys, "admin", current.admin(), next.admin());
        differs(keys, "event-loop-threads", current.eventLoopThreads(), next.eventLoopThreads());
        differs(keys, "server-version", current.serverVersion(), next.serverVersion());
        differs(
                keys,
                "backends.primary",
                current.backends().primary(),
                next.backends().primary());
        differs(
                keys,
                "backends.primary-mode",
                current.backends().primaryMode(),
                next.backends().primaryMode());
        differs(
                keys,
                "backends.connect-timeout",
                current.backends().connectTimeout(),
                next.backends().connectTimeout());
        differs(
                keys,
                "backends.handshake-timeout",
                current.backends().handshakeTimeout(),
                next.backends().handshakeTimeout());
        differs(
                keys,
                "backends.pool",
                current.backends().pool(),
                next.backends().pool());
        differs(
                keys,
                "backends.allow-public-key-retrieval",
                current.backends().passwordExchange().allowPublicKeyRetrieval(),
                next.backends().passwordExchange().allowPublicKeyRetrieval());
        // The key as read, not only the file name: a key replaced in the same file needs a restart too.
        differs(
                keys,
                "backends.server-public-key",
                current.backends().passwordExchange().serverPublicKey(),
                next.backends().passwordExchange().serverPublicKey());
        differs(keys, "backends.tls", current.backends().tls(), next.backends().tls());
        differs(keys, "monitor", current.monitor(), next.monitor());
        differs(keys, "client", current.client(), next.client());
        differs(
                keys,
                "routing.balancer",
                current.routing().balancer(),
                next.routing().balancer());
        differs(
                keys,
                "routing.read-only-transactions-on-replica",
                current.routing().readOnlyTransactionsOnReplica(),
                next.routing().readOnlyTransactionsOnReplica());
        ProxyConfig.Health a = current.health();
        ProxyConfig.Health b = next.health();
        differs(
                keys,
                "health (other than max-replication-lag)",
                List.of(a.interval(), a.timeout(), a.ejectAfter(), a.readmitAfter()),
                List.of(b.interval(), b.timeout(), b.ejectAfter(), b.readmitAfter()));
        differs(keys, "discovery", current.discovery(), next.discovery());
        differs(keys, "reload.watch-interval", current.reloadWatchInterval(), next.reloadWatchInterval());
        differs(
                keys,
                "user-source, user-refresh-interval, user-refresh-min-interval",
                current.accounts(),
                next.accounts());
        differs(keys, "stats", current.stats(), next.stats());
        return keys;
    }

    private static void differs(List<String> keys, String key, Object current, Object next) {
        if (!Objects.equals(current, next)) {
            keys.add(key);
        }
    }
}

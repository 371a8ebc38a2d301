package io.mysqlproxy.core.server;

import io.mysqlproxy.core.accounts.UserDirectory;
import io.mysqlproxy.core.auth.ClientAuthentication;
import io.mysqlproxy.core.auth.FailedLogins;
import io.mysqlproxy.core.auth.RsaKeys;
import io.mysqlproxy.core.auth.Sha2AuthCache;
import io.mysqlproxy.core.auth.UserConnections;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.config.Multiplexing;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.health.PrimaryPositions;
import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.pool.BackendPools;
import io.mysqlproxy.core.pool.PrimaryOutageBuffer;
import io.mysqlproxy.core.route.ReplicaBalancer;
import io.mysqlproxy.core.route.Router;
import io.mysqlproxy.core.session.SessionRegistry;
import io.mysqlproxy.core.session.SessionServices;
import io.mysqlproxy.core.stats.QueryStats;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.TopologyHolder;
import io.mysqlproxy.core.topology.WriteGate;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Future;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every connection shares: configuration, keys, backends and their pools, routing, counters, live sessions.
 * The configuration is the one in force now: a reload replaces it (see {@link ProxyServer#reconfigure}).
 */
public record ProxyRuntime(
        AtomicReference<ProxyConfig> configuration,
        ServerIdentity identity,
        BackendConnector connector,
        Optional<SslContext> tls,
        RsaKeys rsaKeys,
        Sha2AuthCache sha2Cache,
        FailedLogins failedLogins,
        UserConnections userConnections,
        TopologyHolder topologyHolder,
        WriteGate writeGate,
        BackendPools pools,
        Router router,
        ReplicaBalancer balancer,
        AtomicInteger openConnections,
        AtomicLong connectionIds,
        SessionRegistry sessions,
        ProxyMetrics metrics,
        PrimaryOutageBuffer primaryBuffer,
        PrimaryPositions primaryPositions,
        UserDirectory directory,
        QueryStats queryStats)
        implements SessionServices {

    /** The configuration in force. */
    public ProxyConfig config() {
        return configuration.get();
    }

    @Override
    public ClientAuthentication authentication(byte[] nonce, String clientHost) {
        AuthPlugin serverDefault = identity.authPlugin();
        return new ClientAuthentication(
                name -> directory.find(name, clientHost),
                sha2Cache,
                rsaKeys,
                nonce,
                clientHost,
                serverDefault,
                directory.plugins(serverDefault),
                directory.decoys());
    }

    @Override
    public Topology topology() {
        return topologyHolder.current();
    }

    @Override
    public BackendPool pool(Backend backend) {
        return pools.of(backend);
    }

    @Override
    public ProxyConfig.Routing routing() {
        return config().routing();
    }

    @Override
    public Duration handshakeTimeout() {
        return config().client().handshakeTimeout();
    }

    @Override
    public Duration returnAfterIdle() {
        return config().backends().pool().returnAfterIdle();
    }

    @Override
    public Multiplexing multiplexing() {
        return config().backends().pool().multiplexing();
    }

    @Override
    public int preparedStatementCache() {
        return config().backends().pool().preparedStatementCache();
    }

    @Override
    public ProxyConfig.SessionLimits sessionLimits() {
        return config().session();
    }

    @Override
    public Consistency consistencyOf(String user) {
        ProxyConfig config = config();
        return config.user(user)
                .flatMap(UserAccount::consistency)
                .orElse(config.routing().consistency());
    }

    @Override
    public boolean isAdmin(String user) {
        return config().user(user).map(UserAccount::admin).orElse(false);
    }

    /**
     * Completes once the greeting can carry the primary's identity: at once when it is known,
     * otherwise after one attempt to read the primary's greeting (successful or not), so that
     * clients adapt to the real server from their first connection.
     */
    public Future<?> identityKnown(EventLoop loop) {
        if (identity.known()) {
            return loop.newSucceededFuture(null);
        }
        Future<HandshakeV10> probe =
                connector.readGreeting(loop, config().backends().primary());
        probe.addListener(f -> {
            if (f.isSuccess()) {
                identity.learn(probe.getNow());
            }
        });
        return probe;
    }

    public long nextConnectionId() {
        return connectionIds.incrementAndGet() & 0xffffffffL;
    }
}

package io.mysqlproxy.core.server;

import io.mysqlproxy.core.auth.ClientAuthentication;
import io.mysqlproxy.core.auth.RsaKeys;
import io.mysqlproxy.core.auth.Sha2AuthCache;
import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.session.SessionServices;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.netty.util.concurrent.Future;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What every connection shares: configuration, keys, the backend connector and counters. */
public record ProxyRuntime(
        ProxyConfig config,
        ServerIdentity identity,
        BackendConnector connector,
        Optional<SslContext> tls,
        RsaKeys rsaKeys,
        Sha2AuthCache sha2Cache,
        AtomicInteger openConnections,
        AtomicLong connectionIds) implements SessionServices {

    @Override
    public ClientAuthentication authentication(byte[] nonce, String clientHost) {
        return new ClientAuthentication(config::user, sha2Cache, rsaKeys, nonce, clientHost, identity.authPlugin());
    }

    @Override
    public Future<BackendConnection> openPrimary(EventLoop loop, BackendLogin login) {
        return connector.connect(loop, config.backends().primary(), login);
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
        Future<HandshakeV10> probe = connector.readGreeting(loop, config.backends().primary());
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

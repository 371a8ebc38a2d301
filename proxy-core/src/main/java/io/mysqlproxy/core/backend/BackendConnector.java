package io.mysqlproxy.core.backend;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.tls.BackendTlsContext;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Opens authenticated backend connections on the caller's event loop, so that a session and its
 * backend share a thread. Connect and handshake are bounded by timeouts; every failure completes
 * the returned future with a {@link BackendException} carrying the ERR the client should see. Logins
 * go through TLS as backends.tls says ({@link BackendTlsUpgrade}).
 */
public final class BackendConnector {

    private final Class<? extends Channel> channelType;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final PasswordPolicy passwordPolicy;
    private final BackendTlsContext tls;

    /** Logins in clear text, full authentication refused (no pinned server key, no key retrieval). */
    public BackendConnector(
            Supplier<Class<? extends Channel>> channelType, Duration connectTimeout, Duration handshakeTimeout) {
        this(channelType, connectTimeout, handshakeTimeout, PasswordPolicy.STRICT, BackendTlsContext.disabled());
    }

    /** Logins in clear text, full authentication as {@code passwordExchange} allows. */
    public BackendConnector(
            Supplier<Class<? extends Channel>> channelType,
            Duration connectTimeout,
            Duration handshakeTimeout,
            ProxyConfig.PasswordExchange passwordExchange) {
        this(
                channelType,
                connectTimeout,
                handshakeTimeout,
                new PasswordPolicy(passwordExchange),
                BackendTlsContext.disabled());
    }

    /** {@code tls}: whether and how backend logins switch to TLS (backends.tls); full authentication only inside it. */
    public BackendConnector(
            Supplier<Class<? extends Channel>> channelType,
            Duration connectTimeout,
            Duration handshakeTimeout,
            BackendTlsContext tls) {
        this(channelType, connectTimeout, handshakeTimeout, PasswordPolicy.STRICT, tls);
    }

    /** As backends.tls and backends.allow-public-key-retrieval / server-public-key say. */
    public BackendConnector(
            Supplier<Class<? extends Channel>> channelType,
            Duration connectTimeout,
            Duration handshakeTimeout,
            ProxyConfig.PasswordExchange passwordExchange,
            BackendTlsContext tls) {
        this(channelType, connectTimeout, handshakeTimeout, new PasswordPolicy(passwordExchange), tls);
    }

    private BackendConnector(
            Supplier<Class<? extends Channel>> channelType,
            Duration connectTimeout,
            Duration handshakeTimeout,
            PasswordPolicy passwordPolicy,
            BackendTlsContext tls) {
        this.channelType = channelType.get();
        this.connectTimeout = connectTimeout;
        this.handshakeTimeout = handshakeTimeout;
        this.passwordPolicy = passwordPolicy;
        this.tls = tls;
    }

    /** Reads {@code target}'s greeting and hangs up, within the connect and handshake timeouts. */
    public Future<HandshakeV10> readGreeting(EventLoop loop, HostPort target) {
        return GreetingProbe.probe(loop, channelType, target, connectTimeout.plus(handshakeTimeout));
    }

    public Future<BackendConnection> connect(EventLoop loop, HostPort target, BackendLogin login) {
        Promise<BackendConnection> promise = loop.newPromise();
        String address = target.toString();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(BackendConnection.FRAMES, new PacketFrameDecoder())
                                .addLast(
                                        BackendConnection.HANDSHAKE,
                                        new BackendHandshakeHandler(
                                                address,
                                                login,
                                                passwordPolicy,
                                                promise,
                                                new BackendTlsUpgrade(tls, target)));
                    }
                });
        ChannelFuture connect = bootstrap.connect(target.host(), target.port());
        ScheduledFuture<?> timeout = loop.schedule(
                () -> {
                    if (promise.tryFailure(new BackendException(
                            ProxyErrors.cannotConnect(
                                    address,
                                    "no greeting and login within " + (connectTimeout.plus(handshakeTimeout)).toMillis()
                                            + " ms"),
                            null))) {
                        connect.channel().close();
                    }
                },
                connectTimeout.plus(handshakeTimeout).toMillis(),
                TimeUnit.MILLISECONDS);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(new BackendException(
                        ProxyErrors.cannotConnect(
                                address, String.valueOf(f.cause().getMessage())),
                        f.cause()));
            }
        });
        promise.addListener(f -> timeout.cancel(false));
        return promise;
    }
}

package io.mysqlproxy.core.server;

import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.session.FrontendPipeline;
import io.mysqlproxy.protocol.flag.Capability;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up each accepted client: over the connection limit, or over the limits of connections still
 * in the handshake ({@link HandshakeLimits}), it gets MySQL's error 1040 instead of a greeting, as
 * from the server itself; otherwise the framing and handshake stages, with the small packet cap
 * that holds until login.
 */
final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {

    private static final Logger log = LoggerFactory.getLogger(ClientChannelInitializer.class);

    private final ProxyRuntime runtime;
    private final HandshakeLimits handshakes;

    ClientChannelInitializer(ProxyRuntime runtime) {
        this.runtime = runtime;
        this.handshakes = new HandshakeLimits(
                () -> runtime.config().client().beforeLogin(), runtime.metrics().registry());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        int open = runtime.openConnections().incrementAndGet();
        ch.closeFuture().addListener(f -> runtime.openConnections().decrementAndGet());
        if (open > runtime.config().client().maxConnections()) {
            log.warn(
                    "refusing {}: {} connections open, limit {}",
                    ch.remoteAddress(),
                    open - 1,
                    runtime.config().client().maxConnections());
            refuse(ch);
            return;
        }
        String host = ch.remoteAddress() == null
                ? "unknown"
                : ch.remoteAddress().getAddress().getHostAddress();
        if (runtime.failedLogins().blocked(host)) {
            // As MySQL: a blocked address gets error 1129 instead of a greeting.
            log.info(
                    "refusing {}: address blocked after failed logins (client.max-connect-errors)", ch.remoteAddress());
            runtime.metrics().logins().blockedHostRefused();
            ch.writeAndFlush(ProxyErrors.hostBlocked(host).toFrame(ch.alloc(), 0, Capability.PROTOCOL_41.mask()))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        HandshakeLimits.Admission admission = handshakes.admit(host);
        if (!admission.admitted()) {
            log.warn(
                    "refusing {}: too many connections in the handshake ({})",
                    ch.remoteAddress(),
                    admission.refusal() == HandshakeLimits.Refusal.TOTAL ? "in all" : "from this address");
            refuse(ch);
            return;
        }
        ch.closeFuture().addListener(f -> admission.place().release());
        long maxPacket = runtime.config().client().maxAllowedPacket();
        FrontendFrameDecoder frames = new FrontendFrameDecoder(
                (int) Math.min(maxPacket, Integer.MAX_VALUE),
                runtime.config().client().beforeLogin().maxPacket());
        // One packet at a time until TLS and auth are settled, so that nothing is framed too early.
        frames.setSingleDecode(true);
        ch.pipeline()
                .addLast(FrontendPipeline.FRAMES, frames)
                .addLast(FrontendPipeline.HANDSHAKE, new FrontendHandshakeHandler(runtime, admission.place()));
    }

    private static void refuse(SocketChannel ch) {
        ch.writeAndFlush(ProxyErrors.tooManyConnections().toFrame(ch.alloc(), 0, Capability.PROTOCOL_41.mask()))
                .addListener(ChannelFutureListener.CLOSE);
    }
}

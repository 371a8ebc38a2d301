package io.mysqlproxy.core.server;

import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.session.FrontendPipeline;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up each accepted client: over the connection limit it gets MySQL's error 1040 instead of a
 * greeting, as from the server itself; otherwise the framing and handshake stages.
 */
final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {

    private static final Logger log = LoggerFactory.getLogger(ClientChannelInitializer.class);

    private final ProxyRuntime runtime;

    ClientChannelInitializer(ProxyRuntime runtime) {
        this.runtime = runtime;
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
            ch.writeAndFlush(ProxyErrors.tooManyConnections().toFrame(ch.alloc(), 0, Capability.PROTOCOL_41.mask()))
                    .addListener(ChannelFutureListener.CLOSE);
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
        long maxPacket = runtime.config().client().maxAllowedPacket();
        PacketFrameDecoder frames = new PacketFrameDecoder((int) Math.min(maxPacket, Integer.MAX_VALUE));
        // One packet at a time until TLS and auth are settled, so that nothing is framed too early.
        frames.setSingleDecode(true);
        ch.pipeline()
                .addLast(FrontendPipeline.FRAMES, frames)
                .addLast(FrontendPipeline.HANDSHAKE, new FrontendHandshakeHandler(runtime));
    }
}

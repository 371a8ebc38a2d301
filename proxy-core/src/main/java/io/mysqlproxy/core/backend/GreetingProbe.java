package io.mysqlproxy.core.backend;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.time.Duration;

/** Reads a server's greeting and hangs up: how the proxy learns the primary's version at start-up. */
final class GreetingProbe {

    private GreetingProbe() {}

    static Future<HandshakeV10> probe(
            EventLoop loop, Class<? extends Channel> channelType, HostPort target, Duration timeout) {
        Promise<HandshakeV10> promise = loop.newPromise();
        new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new PacketFrameDecoder(), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf frame = (ByteBuf) msg;
                                try {
                                    promise.trySuccess(HandshakeV10.decode(Packets.payload(frame)));
                                } catch (RuntimeException e) {
                                    promise.tryFailure(e);
                                } finally {
                                    frame.release();
                                    ctx.close();
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                promise.tryFailure(new IllegalStateException("closed before greeting"));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                promise.tryFailure(cause);
                                ctx.close();
                            }
                        });
                    }
                })
                .connect(target.host(), target.port())
                .addListener((io.netty.channel.ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        promise.tryFailure(f.cause());
                        return;
                    }
                    // A server that accepts but never greets must not keep the probe open.
                    f.channel()
                            .eventLoop()
                            .schedule(
                                    () -> {
                                        if (promise.tryFailure(new IllegalStateException(
                                                "no greeting within " + timeout.toMillis() + " ms"))) {
                                            f.channel().close();
                                        }
                                    },
                                    timeout.toMillis(),
                                    java.util.concurrent.TimeUnit.MILLISECONDS);
                });
        return promise;
    }
}

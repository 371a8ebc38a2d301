package io.mysqlproxy.bench;

import io.mysqlproxy.core.server.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;

/**
 * The floor under any proxy built like mysql-proxy: a Netty relay on the same transport that
 * forwards bytes between a client and one backend and does nothing else (no parsing, no routing,
 * no pools). The sysbench matrix runs it as a {@code --target}, so that the gap between it and a
 * direct connection is what a TCP hop costs on the machine, and the gap between it and mysql-proxy
 * is what the proxy's own work costs.
 *
 * <pre>
 * java -cp "bench/target/classes:bench/target/lib/*" io.mysqlproxy.bench.TcpRelay \
 *     --port 6034 --backend 127.0.0.1:3306 [--threads 1]
 * </pre>
 * It listens on 127.0.0.1 only and runs until it is killed.
 */
public final class TcpRelay {

    private TcpRelay() {}

    public static void main(String[] args) throws InterruptedException {
        int port = 6034;
        String backend = null;
        int threads = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--backend" -> backend = args[i + 1];
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                default -> usage("unknown option " + args[i]);
            }
        }
        if (backend == null || backend.lastIndexOf(':') < 0 || args.length % 2 != 0) {
            usage("--backend HOST:PORT is required");
        }
        String host = backend.substring(0, backend.lastIndexOf(':'));
        int backendPort = Integer.parseInt(backend.substring(backend.lastIndexOf(':') + 1));
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(threads);
        Bootstrap backends = new Bootstrap()
                .channel(transport.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false);
        Channel listener = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel client) {
                        backends.clone(client.eventLoop())
                                .handler(new ChannelInitializer<>() {
                                    @Override
                                    protected void initChannel(Channel server) {
                                        server.pipeline().addLast(new Forward(client));
                                    }
                                })
                                .connect(host, backendPort)
                                .addListener((ChannelFutureListener) connected -> {
                                    if (!connected.isSuccess()) {
                                        client.close();
                                        return;
                                    }
                                    Channel server = connected.channel();
                                    client.pipeline().addLast(new Forward(server));
                                    client.config().setAutoRead(true);
                                    server.config().setAutoRead(true);
                                });
                    }
                })
                .bind("127.0.0.1", port)
                .sync()
                .channel();
        System.out.println("relay 127.0.0.1:" + port + " -> " + backend + " (" + transport + ", " + threads
                + " event loop" + (threads == 1 ? "" : "s") + ")");
        listener.closeFuture().sync();
    }

    private static void usage(String problem) {
        System.err.println(problem + "\nusage: TcpRelay --backend HOST:PORT [--port 6034] [--threads 1]");
        System.exit(2);
    }

    /** Writes what one side reads to the other; flushes once per read batch, as the proxy does. */
    private static final class Forward extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Forward(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.write(msg, peer.voidPromise());
            if (!peer.isWritable()) {
                // Backpressure: stop reading until the peer drains.
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                peer.config().setAutoRead(true);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

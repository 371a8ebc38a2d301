package io.mysqlproxy.core.backend;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.HandshakeResponse41;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.ServerPacket;
import io.mysqlproxy.protocol.packet.SslRequest;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A MySQL server on loopback for the TLS login: it greets with CLIENT_SSL when it has a TLS context,
 * switches to TLS on an SSLRequest, accepts any login with an OK and answers any command with an OK.
 * It records every byte it receives on the wire ({@link #raw()}) and, apart, every byte it reads
 * inside TLS ({@link #decrypted()}), and every handshake response it decoded.
 */
public final class FakeTlsMySqlServer implements AutoCloseable {

    /** A handshake response the server decoded, and whether it came inside TLS. */
    public record Login(HandshakeResponse41 response, int sequenceId, boolean inTls) {}

    static final byte[] NONCE = "fake-nonce-012345678".getBytes(StandardCharsets.US_ASCII);

    private static final int CAPABILITIES = BackendCapabilities.PASS_THROUGH | BackendCapabilities.REQUIRED;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final SslContext tls;
    private final Channel listener;
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private final ByteArrayOutputStream decrypted = new ByteArrayOutputStream();
    private final List<SslRequest> sslRequests = new CopyOnWriteArrayList<>();
    private final List<Login> logins = new CopyOnWriteArrayList<>();

    /** {@code tls}: the server's TLS context, or null for a server that does not offer TLS. */
    public FakeTlsMySqlServer(SslContext tls) throws InterruptedException {
        this.tls = tls;
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("raw", new Recorder(raw))
                                .addLast("switch", new TlsSwitch())
                                .addLast("frames", new PacketFrameDecoder())
                                .addLast("session", new Session());
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    public HostPort address() {
        return new HostPort("127.0.0.1", ((InetSocketAddress) listener.localAddress()).getPort());
    }

    /** Every byte received on the wire, TLS records included. */
    public byte[] raw() {
        synchronized (raw) {
            return raw.toByteArray();
        }
    }

    /** Every byte read inside TLS. */
    public byte[] decrypted() {
        synchronized (decrypted) {
            return decrypted.toByteArray();
        }
    }

    public List<SslRequest> sslRequests() {
        return sslRequests;
    }

    public List<Login> logins() {
        return logins;
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Copies what passes through into {@code sink}, and passes it on. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        private final ByteArrayOutputStream sink;

        Recorder(ByteArrayOutputStream sink) {
            this.sink = sink;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            synchronized (sink) {
                sink.writeBytes(ByteBufUtil.getBytes(bytes));
            }
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Reads the first packet: an SSLRequest is taken here and TLS starts after it (the client's
     * ClientHello, perhaps in the same read, goes to the TLS handler when this one leaves); anything
     * else goes on in clear text.
     */
    private final class TlsSwitch extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (in.readableBytes() < 4) {
                return;
            }
            int length = in.getUnsignedMediumLE(in.readerIndex());
            if (length == SslRequest.LENGTH && tls != null) {
                if (in.readableBytes() < 4 + length) {
                    return;
                }
                in.skipBytes(4);
                sslRequests.add(SslRequest.decode(in.readSlice(length)));
                ctx.pipeline().addAfter("switch", "tls", tls.newHandler(ctx.alloc()));
                ctx.pipeline().addAfter("tls", "decrypted", new Recorder(decrypted));
            }
            ctx.pipeline().remove(this);
        }
    }

    private final class Session extends ChannelInboundHandlerAdapter {
        private boolean loggedIn;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            int capabilities = tls == null ? CAPABILITIES : CAPABILITIES | Capability.SSL.mask();
            byte[] nonce = new byte[NONCE.length + 1];
            System.arraycopy(NONCE, 0, nonce, 0, NONCE.length);
            send(ctx, 0, new HandshakeV10("8.4.0-fake", 7, nonce, capabilities, 45, 2, 0, "mysql_native_password"));
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                int sequenceId = Packets.sequenceId(frame);
                if (!loggedIn) {
                    loggedIn = true;
                    HandshakeResponse41 response = HandshakeResponse41.decode(Packets.payload(frame));
                    logins.add(new Login(response, sequenceId, ctx.pipeline().get("tls") != null));
                    send(ctx, sequenceId + 1, OkPacket.of(2));
                } else if (Packets.firstPayloadByte(frame) == CommandType.QUIT.code()) {
                    ctx.close();
                } else {
                    send(ctx, sequenceId + 1, OkPacket.of(2));
                }
            } finally {
                frame.release();
            }
        }

        /** A client that refuses the certificate ends the TLS handshake with an alert: expected here. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void send(ChannelHandlerContext ctx, int sequenceId, ServerPacket packet) {
            ctx.writeAndFlush(packet.toFrame(ctx.alloc(), sequenceId, Capability.PROTOCOL_41.mask()));
        }
    }
}

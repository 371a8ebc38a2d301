package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendCapabilities;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.flag.MariaDbCapability;
import io.mysqlproxy.protocol.packet.AuthMoreData;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.ServerPacket;
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

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A MariaDB server on loopback that is just enough for a pool: it greets, accepts any login with an
 * OK, and answers COM_RESET_CONNECTION as told ({@link ResetAnswer}); any other command gets an OK.
 * Or, told to {@link #askForFullAuthentication}, a MySQL 8 server whose accounts all need
 * caching_sha2_password's full authentication, recording every login byte it receives.
 * Written with the protocol module's own packets.
 */
final class FakeMySqlServer implements AutoCloseable {

    /** How the server answers COM_RESET_CONNECTION. */
    enum ResetAnswer {
        OK,
        ERR,
        NOTHING
    }

    /** Greets as MariaDB does: CLIENT_MYSQL (= LONG_PASSWORD) clear, and MariaDB 10.11's extended word. */
    private static final int CAPABILITIES =
            (BackendCapabilities.PASS_THROUGH | BackendCapabilities.REQUIRED) & ~Capability.LONG_PASSWORD.mask();

    private static final int MARIADB_CAPABILITIES = MariaDbCapability.maskOf(
            MariaDbCapability.PROGRESS,
            MariaDbCapability.STMT_BULK_OPERATIONS,
            MariaDbCapability.EXTENDED_METADATA,
            MariaDbCapability.CACHE_METADATA);

    private static final byte[] NONCE = "fake-nonce-0123456789".getBytes(StandardCharsets.US_ASCII);

    static {
        NONCE[NONCE.length - 1] = 0;
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel listener;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger logins = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final AtomicInteger connected = new AtomicInteger();
    private volatile ResetAnswer resetAnswer = ResetAnswer.OK;
    private volatile int maxConnections = Integer.MAX_VALUE;
    private volatile KeyPair fullAuthKeys;
    private final List<byte[]> loginPayloads = new CopyOnWriteArrayList<>();

    FakeMySqlServer() throws InterruptedException {
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new PacketFrameDecoder(), new Session(accepted.incrementAndGet()));
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    HostPort address() {
        return new HostPort("127.0.0.1", ((InetSocketAddress) listener.localAddress()).getPort());
    }

    void resetAnswer(ResetAnswer answer) {
        resetAnswer = answer;
    }

    /** Beyond this many open connections a new one gets 1040 instead of a greeting, as from max_connections. */
    void maxConnections(int max) {
        maxConnections = max;
    }

    /**
     * From now on: greet with caching_sha2_password, answer each handshake response with "perform full
     * authentication", send {@code keys}' public half to whoever asks (0x02), and accept a password encrypted
     * for {@code keys} that decrypts to "pw".
     */
    void askForFullAuthentication(KeyPair keys) {
        fullAuthKeys = keys;
    }

    /** Every payload received before a login ended, in order, across connections. */
    List<byte[]> loginPayloads() {
        return List.copyOf(loginPayloads);
    }

    /** The nonce of every greeting, as the auth plugins use it (20 bytes, no NUL). */
    static byte[] nonce() {
        return Arrays.copyOf(NONCE, 20);
    }

    /** Connections open now. */
    int connected() {
        return connected.get();
    }

    /** Logins accepted so far: each is a connection the pool opened. */
    int logins() {
        return logins.get();
    }

    int resets() {
        return resets.get();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Session extends ChannelInboundHandlerAdapter {
        private final long connectionId;
        private boolean loggedIn;

        Session(long connectionId) {
            this.connectionId = connectionId;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (connected.incrementAndGet() > maxConnections) {
                // Before the handshake, so in the pre-4.1 form without SQLSTATE, as the server sends it.
                ctx.writeAndFlush(new ErrPacket(1040, null, "Too many connections").toFrame(ctx.alloc(), 0, 0))
                        .addListener(f -> ctx.close());
                return;
            }
            byte[] nonce = NONCE.clone();
            send(
                    ctx,
                    0,
                    new HandshakeV10(
                            "10.11.0-fake-MariaDB",
                            connectionId,
                            nonce,
                            CAPABILITIES,
                            45,
                            2,
                            MARIADB_CAPABILITIES,
                            fullAuthKeys != null ? "caching_sha2_password" : "mysql_native_password"));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connected.decrementAndGet();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            int command;
            int sequenceId;
            byte[] payload;
            try {
                command = Packets.firstPayloadByte(frame);
                sequenceId = Packets.sequenceId(frame);
                payload = ByteBufUtil.getBytes(Packets.payload(frame));
            } finally {
                frame.release();
            }
            KeyPair keys = fullAuthKeys;
            if (!loggedIn && keys != null) {
                loginPayloads.add(payload);
                fullAuthentication(ctx, sequenceId, payload, keys);
            } else if (!loggedIn) {
                loggedIn = true;
                logins.incrementAndGet();
                send(ctx, 2, OkPacket.of(2));
            } else if (command == CommandType.RESET_CONNECTION.code()) {
                resets.incrementAndGet();
                switch (resetAnswer) {
                    case OK -> send(ctx, 1, OkPacket.of(2));
                    case ERR -> send(ctx, 1, new ErrPacket(1047, "08S01", "Unknown command"));
                    case NOTHING -> {}
                }
            } else if (command == CommandType.QUIT.code()) {
                ctx.close();
            } else {
                send(ctx, 1, OkPacket.of(2));
            }
        }

        private void fullAuthentication(ChannelHandlerContext ctx, int sequenceId, byte[] payload, KeyPair keys) {
            if (sequenceId == 1) { // the handshake response
                send(ctx, sequenceId + 1, new AuthMoreData(new byte[] {AuthMoreData.PERFORM_FULL_AUTHENTICATION}));
            } else if (payload.length == 1 && payload[0] == 2) {
                byte[] pem = RsaPasswordCipher.toPem(keys.getPublic()).getBytes(StandardCharsets.US_ASCII);
                send(ctx, sequenceId + 1, new AuthMoreData(pem));
            } else {
                try {
                    if (!RsaPasswordCipher.decrypt(payload, nonce(), keys.getPrivate())
                            .equals("pw")) {
                        throw new GeneralSecurityException("wrong password");
                    }
                    loggedIn = true;
                    logins.incrementAndGet();
                    send(ctx, sequenceId + 1, OkPacket.of(2));
                } catch (GeneralSecurityException e) {
                    send(ctx, sequenceId + 1, new ErrPacket(1045, "28000", "Access denied for user 'app'"));
                }
            }
        }

        private void send(ChannelHandlerContext ctx, int sequenceId, ServerPacket packet) {
            ctx.writeAndFlush(packet.toFrame(ctx.alloc(), sequenceId, Capability.PROTOCOL_41.mask()));
        }
    }
}

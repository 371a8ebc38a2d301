package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.EmbeddedBackends;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.Multiplexing;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.packet.ComChangeUser;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole {@link FrontendSession} on the test thread: the client is an {@link EmbeddedChannel}
 * staged as {@code FrontendHandshakeHandler} leaves it at login (frames, then the session started in
 * place of the handshake), every backend connection is an {@link EmbeddedBackends} channel from a
 * {@link FakeConnectionPool}, and the primary connection of the login is borrowed from the primary's
 * pool like any other. Tests play the client with {@link #clientSends} and the servers with
 * {@link #serverSends}, and read what each side received.
 */
final class SessionRig {

    static final long CONNECTION_ID = 42;
    static final String USER = "app";
    static final String PASSWORD = "app-pass";
    static final String SCHEMA = "app";
    static final int UTF8MB4_GENERAL_CI = 45;
    /** The greeting's nonce, which COM_CHANGE_USER reuses. */
    static final byte[] NONCE = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);

    final Backend primary = new Backend(new HostPort("primary", 3306), BackendRole.PRIMARY, "primary");
    final List<Backend> replicas = new ArrayList<>();
    final TestSessionServices services;
    final EmbeddedChannel client = new EmbeddedChannel();
    final int capabilities;
    /** MariaDB's extended capabilities the client negotiated (0: none). */
    final int mariaDbCapabilities;
    /** The primary connection the client logged in with. */
    final BackendConnection loginConnection;

    private final FlushGate clientGate = new FlushGate();

    /**
     * A logged-in session, with {@code replicas} replicas named replica1, replica2..., and
     * CLIENT_DEPRECATE_EOF agreed on both sides or on neither.
     */
    SessionRig(int replicas, boolean deprecateEof) {
        this(replicas, deprecateEof, Consistency.EVENTUAL);
    }

    /** As {@link #SessionRig(int, boolean)}, the session's user reading with {@code consistency}. */
    SessionRig(int replicas, boolean deprecateEof, Consistency consistency) {
        this(replicas, deprecateEof, consistency, 0);
    }

    /** As {@link #SessionRig(int, boolean, Consistency)}, the client having negotiated MariaDB's {@code mariaDbCapabilities}. */
    SessionRig(int replicas, boolean deprecateEof, Consistency consistency, int mariaDbCapabilities) {
        this(replicas, deprecateEof, consistency, mariaDbCapabilities, TestSessionServices.DEFAULT_LIMITS);
    }

    /** As {@link #SessionRig(int, boolean)}, the session bounded by {@code limits}. */
    SessionRig(int replicas, boolean deprecateEof, ProxyConfig.SessionLimits limits) {
        this(replicas, deprecateEof, Consistency.EVENTUAL, 0, limits);
    }

    private SessionRig(
            int replicas,
            boolean deprecateEof,
            Consistency consistency,
            int mariaDbCapabilities,
            ProxyConfig.SessionLimits limits) {
        this(replicas, deprecateEof, consistency, mariaDbCapabilities, limits, Multiplexing.IDLE, Duration.ZERO, 0);
    }

    /** A session under transaction multiplexing, with {@code replicas} replicas and CLIENT_DEPRECATE_EOF. */
    static SessionRig multiplexed(int replicas) {
        return multiplexed(replicas, Duration.ZERO);
    }

    /** As {@link #multiplexed(int)}, the session giving its connections back after {@code returnAfterIdle} too. */
    static SessionRig multiplexed(int replicas, Duration returnAfterIdle) {
        return new SessionRig(
                replicas,
                true,
                Consistency.EVENTUAL,
                0,
                TestSessionServices.DEFAULT_LIMITS,
                Multiplexing.TRANSACTION,
                returnAfterIdle,
                0);
    }

    /** As {@link #multiplexed(int)}, each backend connection keeping {@code statementCache} prepared statements. */
    static SessionRig multiplexed(int replicas, int statementCache) {
        return new SessionRig(
                replicas,
                true,
                Consistency.EVENTUAL,
                0,
                TestSessionServices.DEFAULT_LIMITS,
                Multiplexing.TRANSACTION,
                Duration.ZERO,
                statementCache);
    }

    private SessionRig(
            int replicas,
            boolean deprecateEof,
            Consistency consistency,
            int mariaDbCapabilities,
            ProxyConfig.SessionLimits limits,
            Multiplexing multiplexing,
            Duration returnAfterIdle,
            int statementCache) {
        this.mariaDbCapabilities = mariaDbCapabilities;
        for (int i = 1; i <= replicas; i++) {
            this.replicas.add(new Backend(new HostPort("replica" + i, 3306), BackendRole.REPLICA, "replica" + i));
        }
        services = new TestSessionServices(
                Topology.of(primary, List.copyOf(this.replicas)), deprecateEof, consistency, limits);
        services.addUser(USER, PASSWORD);
        services.multiplexing(multiplexing);
        services.returnAfterIdle(returnAfterIdle);
        services.preparedStatementCache(statementCache);
        capabilities = EmbeddedBackends.CAPABILITIES
                | Capability.CONNECT_ATTRS.mask()
                | (deprecateEof ? Capability.DEPRECATE_EOF.mask() : 0);
        BackendLogin login = new BackendLogin(
                USER,
                PASSWORD,
                AuthPlugin.MYSQL_NATIVE_PASSWORD,
                capabilities,
                mariaDbCapabilities,
                UTF8MB4_GENERAL_CI,
                SCHEMA,
                null);
        loginConnection = pool(primary).borrow(client.eventLoop(), login, false).getNow();
        SessionInfo info = new SessionInfo(
                CONNECTION_ID,
                USER,
                "10.0.0.7:50000",
                "10.0.0.7",
                capabilities,
                mariaDbCapabilities,
                64L * 1024 * 1024,
                Duration.ofHours(8),
                Duration.ofHours(8),
                NONCE,
                false);
        ChannelHandler handshake = new ChannelInboundHandlerAdapter();
        client.pipeline()
                .addLast(FlushGate.NAME, clientGate)
                .addLast(FrontendPipeline.FRAMES, new PacketFrameDecoder())
                .addLast(FrontendPipeline.HANDSHAKE, handshake);
        FrontendSession.start(
                client.pipeline(),
                handshake,
                info,
                login,
                new LoginConnections.Started(primary, loginConnection),
                services);
        ((PacketFrameDecoder) client.pipeline().get(FrontendPipeline.FRAMES)).setSingleDecode(false);
    }

    Backend replica(int n) {
        return replicas.get(n - 1);
    }

    FakeConnectionPool pool(Backend backend) {
        return services.fakePool(backend);
    }

    /** The connection the {@code n}th borrow from {@code backend}'s pool handed out (from 0). */
    BackendConnection connection(Backend backend, int n) {
        return pool(backend).borrowed(n);
    }

    static EmbeddedChannel channel(BackendConnection connection) {
        return EmbeddedBackends.channel(connection);
    }

    /** The client sends COM_CHANGE_USER to {@code user}, answering the greeting's nonce with mysql_native_password. */
    void clientChangesUser(String user, String password) {
        clientChangesUser(new ComChangeUser(
                capabilities,
                user,
                NativePassword.scramble(password, NONCE),
                "",
                UTF8MB4_GENERAL_CI,
                AuthPlugin.MYSQL_NATIVE_PASSWORD.wireName(),
                null));
    }

    /** The client sends {@code request} (sequence id 0). */
    void clientChangesUser(ComChangeUser request) {
        ByteBuf payload = Unpooled.buffer();
        try {
            request.encode(payload);
            clientSends(Wire.frame(0, ByteBufUtil.getBytes(payload)));
        } finally {
            payload.release();
        }
    }

    /** The client writes {@code bytes} (one read on the client's channel). */
    void clientSends(byte[]... bytes) {
        Object[] buffers = new Object[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            buffers[i] = Wire.buf(bytes[i]);
        }
        client.writeInbound(buffers);
    }

    /** Everything the proxy wrote to the client so far, as one byte array; the buffers are released. */
    byte[] clientReceived() {
        return drain(client);
    }

    /** The server behind {@code connection} sends {@code bytes} (one read on that connection). */
    static void serverSends(BackendConnection connection, byte[] bytes) {
        channel(connection).writeInbound(Wire.buf(bytes));
    }

    /** Everything the proxy wrote to the server behind {@code connection} so far; the buffers are released. */
    static byte[] serverReceived(BackendConnection connection) {
        return drain(channel(connection));
    }

    /** Whether the client's channel reads (its autoRead). */
    boolean readingClient() {
        return client.config().isAutoRead();
    }

    /** The client stops taking bytes: what the proxy writes stays in the client channel's buffer. */
    void clientStalls(int lowWaterMark, int highWaterMark) {
        clientGate.close(lowWaterMark, highWaterMark);
    }

    /** The client takes what was written to it: the channel's buffer drains. */
    void clientCatchesUp() {
        clientGate.open();
    }

    /**
     * Ends the test: the client hangs up, then every backend channel closes. Fails if the proxy wrote
     * anything the test did not read, or if the session, now over, kept a connection that is still
     * open or gave one back twice; the buffers it held must have been released by now (the leak
     * detector checks).
     */
    void finish() {
        try {
            assertFalse(client.finish(), "the proxy wrote to the client what the test did not read");
            for (Backend backend : allBackends()) {
                FakeConnectionPool pool = pool(backend);
                for (BackendConnection connection : pool.borrowed()) {
                    long ends = pool.released().stream()
                                    .filter(c -> c == connection)
                                    .count()
                            + pool.discarded().stream()
                                    .filter(c -> c == connection)
                                    .count();
                    assertTrue(ends <= 1, connection + " was given back " + ends + " times");
                    assertTrue(ends == 1 || !connection.isActive(), connection + " was kept after the session ended");
                }
            }
            for (Backend backend : allBackends()) {
                for (BackendConnection connection : pool(backend).borrowed()) {
                    assertFalse(
                            channel(connection).finish(),
                            "the proxy wrote to " + connection + " what the test did not read");
                }
            }
        } finally {
            client.finishAndReleaseAll();
            for (Backend backend : allBackends()) {
                pool(backend).borrowed().forEach(c -> channel(c).finishAndReleaseAll());
            }
            services.close();
        }
    }

    private List<Backend> allBackends() {
        List<Backend> all = new ArrayList<>();
        all.add(primary);
        all.addAll(replicas);
        return all;
    }

    private static byte[] drain(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            try {
                out.writeBytes(ByteBufUtil.getBytes(buf));
            } finally {
                buf.release();
            }
        }
        return out.toByteArray();
    }
}

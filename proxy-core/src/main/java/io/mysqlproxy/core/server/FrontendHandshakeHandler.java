package io.mysqlproxy.core.server;

import io.mysqlproxy.core.auth.AuthStep;
import io.mysqlproxy.core.auth.BackendSecret;
import io.mysqlproxy.core.auth.ClientAuthentication;
import io.mysqlproxy.core.auth.PasswordCheckWorkers;
import io.mysqlproxy.core.backend.BackendCapabilities;
import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.ErrorLogText;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.LogText;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.session.FrontendPipeline;
import io.mysqlproxy.core.session.FrontendSession;
import io.mysqlproxy.core.session.LoginConnections;
import io.mysqlproxy.core.session.SessionInfo;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.HandshakeResponse41;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.ServerPacket;
import io.mysqlproxy.protocol.packet.SslRequest;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.mysqlproxy.protocol.wire.Packets;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.server.ClientEndpoint.host;
import static io.mysqlproxy.core.server.ClientEndpoint.newNonce;
import static io.mysqlproxy.core.server.ClientEndpoint.remote;

/**
 * The connection phase with a client: greeting, optional TLS upgrade, authentication, and the
 * login to the primary on the client's behalf (to a replica while the primary is away, see
 * {@link LoginConnections}). The client gets its OK only once the backend
 * session exists; then this handler hands the channel to a {@link FrontendSession} and
 * removes itself.
 */
public final class FrontendHandshakeHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandshakeHandler.class);

    private enum State {
        RESPONSE,
        AUTH,
        /** A password check runs on the workers: the client must wait for its answer. */
        CHECKING,
        CONNECTING,
        DONE
    }

    private final ProxyRuntime runtime;
    private final long connectionId;
    private final byte[] nonce = newNonce();
    private State state = State.RESPONSE;
    private int expectedSequence = 1;
    private int offeredCapabilities;
    private int offeredMariaDbCapabilities;
    private boolean secure;
    private HandshakeResponse41 response;
    private ClientAuthentication authentication;
    private LoginDefence defence;
    private ScheduledFuture<?> timeout;
    private final HandshakeLimits.Place handshakePlace;

    FrontendHandshakeHandler(ProxyRuntime runtime, HandshakeLimits.Place handshakePlace) {
        this.runtime = runtime;
        this.handshakePlace = handshakePlace;
        this.connectionId = runtime.nextConnectionId();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        runtime.identityKnown(ctx.channel().eventLoop()).addListener(f -> {
            if (ctx.channel().isActive()) {
                greet(ctx);
            }
        });
        ctx.fireChannelActive();
    }

    private void greet(ChannelHandlerContext ctx) {
        HandshakeV10 greeting = runtime.identity()
                .greeting(
                        connectionId,
                        withNul(nonce),
                        runtime.tls().isPresent(),
                        runtime.config()
                                .client()
                                .defaultAuthPlugin()
                                .orElse(runtime.identity().authPlugin()));
        offeredCapabilities = greeting.capabilities();
        offeredMariaDbCapabilities = greeting.mariaDbCapabilities();
        ctx.writeAndFlush(greeting.toFrame(ctx.alloc(), 0, offeredCapabilities));
        long millis = runtime.config().client().handshakeTimeout().toMillis();
        timeout = ctx.executor()
                .schedule(
                        () -> {
                            log.info(
                                    "[conn {}] {}: handshake not completed within {} ms, closing",
                                    connectionId,
                                    remote(ctx),
                                    millis);
                            fail(ctx, ProxyErrors.badHandshake("timed out"), expectedSequence);
                        },
                        millis,
                        TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            int sequence = Packets.sequenceId(frame);
            if (state == State.CHECKING || state == State.CONNECTING || state == State.DONE) {
                fail(ctx, ProxyErrors.badHandshake("client sent data before authentication completed"), sequence + 1);
                return;
            }
            if (sequence != expectedSequence) {
                fail(ctx, ProxyErrors.packetsOutOfOrder(expectedSequence, sequence), sequence + 1);
                return;
            }
            ByteBuf payload = Packets.payload(frame);
            if (state == State.RESPONSE) {
                handshakeResponse(ctx, sequence, payload);
            } else {
                state = State.CHECKING;
                authentication.next(
                        WireStrings.readRestBytes(payload),
                        secure,
                        PasswordCheckWorkers.shared(),
                        ctx.executor(),
                        step -> {
                            if (state == State.CHECKING && ctx.channel().isActive()) {
                                state = State.AUTH;
                                act(ctx, sequence, step);
                            }
                        });
            }
        } catch (ProtocolException e) {
            log.info(
                    "[conn {}] {}: malformed handshake: {}", connectionId, remote(ctx), LogText.escape(e.getMessage()));
            fail(ctx, ProxyErrors.badHandshake(e.getMessage()), expectedSequence + 1);
        } finally {
            frame.release();
        }
    }

    private void handshakeResponse(ChannelHandlerContext ctx, int sequence, ByteBuf payload) {
        if (SslRequest.matches(payload)) {
            SslRequest request = SslRequest.decode(payload);
            if (!Capability.SSL.isSet(request.capabilities()) || runtime.tls().isEmpty()) {
                fail(ctx, ProxyErrors.badHandshake("SSL request without TLS offered"), sequence + 1);
                return;
            }
            startTls(ctx);
            expectedSequence = sequence + 1;
            return;
        }
        response = HandshakeResponse41.decode(payload);
        if (Capability.SSL.isSet(response.capabilities()) && !secure) {
            fail(ctx, ProxyErrors.badHandshake("SSL capability set without an SSL request"), sequence + 1);
            return;
        }
        defence = new LoginDefence(runtime, connectionId, host(ctx), remote(ctx));
        ErrPacket blocked = defence.refusal();
        if (blocked != null) {
            fail(ctx, blocked, sequence + 1);
            return;
        }
        if (!secure && runtime.config().client().tls().requireSecureTransport()) {
            fail(ctx, ProxyErrors.insecureTransportProhibited(), sequence + 1);
            return;
        }
        authentication = runtime.authentication(nonce, host(ctx));
        String plugin = Capability.PLUGIN_AUTH.isSet(response.capabilities()) && response.authPluginName() != null
                ? response.authPluginName()
                : AuthPlugin.MYSQL_NATIVE_PASSWORD.wireName();
        state = State.AUTH;
        act(ctx, sequence, authentication.start(response.username(), plugin, response.authResponse(), secure));
    }

    private void startTls(ChannelHandlerContext ctx) {
        PacketFrameDecoder frames = (PacketFrameDecoder) ctx.pipeline().get(FrontendPipeline.FRAMES);
        ByteBuf early = frames.takeBuffered();
        ctx.pipeline()
                .addFirst(FrontendPipeline.TLS, runtime.tls().orElseThrow().newHandler(ctx.alloc()));
        secure = true;
        if (early.isReadable()) {
            ctx.pipeline().fireChannelRead(early);
        } else {
            early.release();
        }
    }

    private void act(ChannelHandlerContext ctx, int sequence, AuthStep step) {
        step.applyTo(new AuthStep.Handler() {
            @Override
            public void reply(ServerPacket packet) {
                write(ctx, packet, sequence + 1);
                expectedSequence = sequence + 2;
            }

            @Override
            public void replyThenSucceed(ServerPacket packet, UserAccount user, BackendSecret secret) {
                answerLate(ctx, defence.delay(), () -> {
                    write(ctx, packet, sequence + 1);
                    loggedIn(ctx, user, secret, sequence + 2);
                });
            }

            @Override
            public void succeed(UserAccount user, BackendSecret secret) {
                answerLate(ctx, defence.delay(), () -> loggedIn(ctx, user, secret, sequence + 1));
            }

            @Override
            public void fail(ErrPacket error, String reason) {
                Duration delay = defence.delay(); // before this failure counts: as a success would wait
                defence.failed(response.username(), reason);
                answerLate(ctx, delay, () -> FrontendHandshakeHandler.this.fail(ctx, error, sequence + 1));
            }
        });
    }

    /** Runs {@code answer} after {@code delay} on the channel's loop, unless the handshake ended meanwhile. */
    private void answerLate(ChannelHandlerContext ctx, Duration delay, Runnable answer) {
        if (delay.isZero()) {
            answer.run();
            return;
        }
        state = State.CONNECTING; // nothing more is expected from the client until the answer
        ctx.executor()
                .schedule(
                        () -> {
                            if (state == State.CONNECTING && ctx.channel().isActive()) {
                                answer.run();
                            }
                        },
                        delay.toNanos(),
                        TimeUnit.NANOSECONDS);
    }

    private void loggedIn(ChannelHandlerContext ctx, UserAccount user, BackendSecret secret, int okSequence) {
        ErrPacket refused = defence.admit(user, ctx.channel());
        if (refused != null) {
            fail(ctx, refused, okSequence);
        } else {
            connectBackend(ctx, user, secret, okSequence);
        }
    }

    private void connectBackend(ChannelHandlerContext ctx, UserAccount user, BackendSecret secret, int okSequence) {
        state = State.CONNECTING;
        handshakePlace.release();
        ctx.channel().config().setAutoRead(false);
        int clientCapabilities = response.capabilities() & (offeredCapabilities | Capability.SSL.mask());
        int clientMariaDbCapabilities = BackendCapabilities.mariaDbOfClient(
                response.capabilities(), response.mariaDbCapabilities(), offeredMariaDbCapabilities);
        BackendLogin login = new BackendLogin(
                user.name(),
                secret,
                authentication.backendPlugin(user),
                clientCapabilities,
                clientMariaDbCapabilities,
                response.characterSet(),
                response.database(),
                response.attributes());
        Future<LoginConnections.Started> connecting =
                LoginConnections.borrow(runtime, ctx.channel().eventLoop(), login);
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                ErrPacket error = f.cause() instanceof BackendException b
                        ? b.error()
                        : ProxyErrors.cannotConnect(
                                runtime.config().backends().primary().toString(),
                                "see mysql-proxy's log, connection " + connectionId);
                log.warn(
                        "[conn {}] {}: backend login for user '{}' failed: {}",
                        connectionId,
                        remote(ctx),
                        LogText.escape(user.name()),
                        LogText.escape(ErrorLogText.of(f.cause(), log)));
                fail(ctx, error, okSequence);
                return;
            }
            LoginConnections.Started started = connecting.getNow();
            if (!ctx.channel().isActive()) {
                runtime.pool(started.backend()).release(started.connection());
                return;
            }
            runtime.identity().learn(started.connection().greeting());
            startSession(ctx, user, login, started, okSequence);
        });
    }

    private void startSession(
            ChannelHandlerContext ctx,
            UserAccount user,
            BackendLogin login,
            LoginConnections.Started started,
            int okSequence) {
        BackendConnection backend = started.connection();
        state = State.DONE;
        timeout.cancel(false);
        SessionInfo info = new SessionInfo(
                connectionId,
                user.name(),
                remote(ctx),
                host(ctx),
                login.clientCapabilities(),
                login.clientMariaDbCapabilities(),
                runtime.config().client().maxAllowedPacket(),
                runtime.config().client().idleTimeout(),
                runtime.config().client().interactiveTimeout(),
                nonce,
                secure);
        OkPacket loginOk = backend.loginOk();
        ctx.writeAndFlush(new OkPacket(
                        OkPacket.HEADER,
                        0,
                        0,
                        loginOk.statusFlags(),
                        loginOk.warnings(),
                        loginOk.info(),
                        loginOk.sessionState())
                .toFrame(ctx.alloc(), okSequence, login.clientCapabilities()));
        FrontendSession.start(ctx.pipeline(), this, info, login, started, runtime);
        FrontendFrameDecoder frames = (FrontendFrameDecoder) ctx.pipeline().get(FrontendPipeline.FRAMES);
        frames.setSingleDecode(false);
        frames.lift();
        log.debug(
                "[conn {}] {}: user '{}' logged in through {}",
                connectionId,
                info.remote(),
                LogText.escape(user.name()),
                backend);
        ctx.channel().config().setAutoRead(true);
    }

    private void write(ChannelHandlerContext ctx, ServerPacket packet, int sequence) {
        ctx.writeAndFlush(packet.toFrame(ctx.alloc(), sequence & 0xff, offeredCapabilities));
    }

    private void fail(ChannelHandlerContext ctx, ErrPacket error, int sequence) {
        state = State.DONE;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(error.toFrame(ctx.alloc(), sequence & 0xff, Capability.PROTOCOL_41.mask()))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        int cap = runtime.config().client().beforeLogin().maxPacket();
        fail(ctx, HandshakeFailure.answer(cause, cap, connectionId, remote(ctx)), expectedSequence);
    }

    private static byte[] withNul(byte[] bytes) {
        return java.util.Arrays.copyOf(bytes, bytes.length + 1);
    }
}

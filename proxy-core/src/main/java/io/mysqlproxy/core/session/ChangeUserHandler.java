package io.mysqlproxy.core.session;

import io.mysqlproxy.core.auth.AuthStep;
import io.mysqlproxy.core.auth.BackendSecret;
import io.mysqlproxy.core.auth.ClientAuthentication;
import io.mysqlproxy.core.auth.PasswordCheckWorkers;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.ErrorLogText;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.LogText;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.packet.ComChangeUser;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.ServerPacket;
import io.mysqlproxy.protocol.wire.Packets;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * COM_CHANGE_USER, as a pipeline stage the session puts in front of its command stages for the
 * exchange, the way the handshake stage precedes them at login: the client authenticates again
 * (against the greeting's nonce, with an auth switch if its plugin differs), every client packet
 * meanwhile is part of the exchange, and the session continues on a primary connection of the new
 * user from the pool (clean, as the server would leave it), or a replica's while the primary is away
 * ({@link LoginConnections}). The stage removes itself when the
 * exchange ends; the session gives the old connections back once the new one is ready. A client
 * that has not finished authenticating within the handshake timeout is refused, as at login, so that
 * an exchange left open cannot keep the session out of the idle timeout's reach.
 */
final class ChangeUserHandler extends ChannelInboundHandlerAdapter implements AuthStep.Handler {

    private static final Logger log = LoggerFactory.getLogger(ChangeUserHandler.class);

    /** How the exchange ends. */
    interface Outcome {
        void changed(LoginConnections.Started started, BackendLogin login, UserAccount user, int okSequence);

        void refused(ErrPacket error, int sequence, String reason);

        /** Whether the session is ending (killed, shut down, a backend lost): the exchange is moot. */
        boolean sessionClosing();
    }

    private final SessionServices services;
    private final SessionInfo info;
    private final ComChangeUser request;
    private final ClientAuthentication authentication;
    private final Outcome outcome;
    private ChannelHandlerContext ctx;
    private int sequence;
    /** The session's view of the exchange's sequence ids, for an error it may have to send meanwhile. */
    private final ClientSequence exchangeSequence;

    private boolean ended;
    /** A password check runs on the workers: no client packet is due until it answers. */
    private boolean checking;

    private final Duration timeout;
    private ScheduledFuture<?> timer;

    ChangeUserHandler(
            SessionUsers users,
            SessionServices services,
            SessionInfo info,
            ComChangeUser request,
            ClientSequence exchangeSequence,
            Outcome outcome) {
        this.exchangeSequence = exchangeSequence;
        this.services = services;
        this.info = info;
        this.request = request;
        this.outcome = outcome;
        this.authentication = users.authentication(info.nonce(), info.host());
        this.timeout = users.handshakeTimeout();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        timer = ctx.executor().schedule(this::timedOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
        String plugin = request.authPluginName() != null
                ? request.authPluginName()
                : AuthPlugin.MYSQL_NATIVE_PASSWORD.wireName();
        authentication
                .start(request.username(), plugin, request.authResponse(), info.secure())
                .applyTo(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timer.cancel(false);
    }

    /** The client's next auth packet. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (ended || outcome.sessionClosing()) {
                return;
            }
            int packetSequence = Packets.sequenceId(frame);
            if (packetSequence != ((sequence + 1) & 0xff)) {
                end();
                outcome.refused(
                        ProxyErrors.packetsOutOfOrder(sequence + 1, packetSequence),
                        packetSequence + 1,
                        "COM_CHANGE_USER packet out of order");
                return;
            }
            if (checking) {
                end();
                outcome.refused(
                        ProxyErrors.malformedPacket("COM_CHANGE_USER packet before the answer to the last one"),
                        packetSequence + 1,
                        "COM_CHANGE_USER packet before the answer to the last one");
                return;
            }
            sequence = packetSequence;
            exchangeSequence.clientPacket(packetSequence);
            checking = true;
            authentication.next(
                    WireStrings.readRestBytes(Packets.payload(frame)),
                    info.secure(),
                    PasswordCheckWorkers.shared(),
                    ctx.executor(),
                    step -> {
                        checking = false;
                        if (!ended && !outcome.sessionClosing()) {
                            step.applyTo(this);
                        }
                    });
        } finally {
            frame.release();
        }
    }

    @Override
    public void reply(ServerPacket packet) {
        sequence = (sequence + 1) & 0xff;
        exchangeSequence.relayed(sequence);
        ctx.writeAndFlush(packet.toFrame(ctx.alloc(), sequence, info.capabilities()));
    }

    @Override
    public void replyThenSucceed(ServerPacket packet, UserAccount user, BackendSecret secret) {
        reply(packet);
        succeed(user, secret);
    }

    @Override
    public void succeed(UserAccount user, BackendSecret secret) {
        int okSequence = (sequence + 1) & 0xff;
        int charset = request.characterSet() >= 0 ? request.characterSet() : 45;
        int capabilities = info.capabilities() & ~Capability.SSL.mask();
        BackendLogin login = new BackendLogin(
                user.name(),
                secret,
                authentication.backendPlugin(user),
                capabilities,
                info.mariaDbCapabilities(),
                charset & 0xff,
                request.database().isEmpty() ? null : request.database(),
                request.attributes());
        Future<LoginConnections.Started> opening =
                LoginConnections.borrow(services, ctx.channel().eventLoop(), login);
        end();
        opening.addListener(f -> {
            if (f.isSuccess()) {
                outcome.changed(opening.getNow(), login, user, okSequence);
            } else {
                // An exception of no known kind stays in the log (the reason), out of the client's error.
                ErrPacket error = f.cause() instanceof BackendException b
                        ? b.error()
                        : ProxyErrors.cannotConnect(
                                "primary", "see mysql-proxy's log, connection " + info.connectionId());
                outcome.refused(
                        error,
                        okSequence,
                        "backend login as '" + LogText.escape(user.name()) + "' failed: "
                                + LogText.escape(ErrorLogText.of(f.cause(), log)));
            }
        });
    }

    @Override
    public void fail(ErrPacket error, String reason) {
        end();
        outcome.refused(
                error,
                sequence + 1,
                "COM_CHANGE_USER to '" + LogText.escape(request.username()) + "' refused: " + reason);
    }

    private void timedOut() {
        if (ended || outcome.sessionClosing()) {
            return;
        }
        end();
        outcome.refused(
                ProxyErrors.badHandshake("timed out"),
                sequence + 1,
                "COM_CHANGE_USER not completed within " + timeout.toMillis() + " ms");
    }

    /** The client has said all it had to: its next packets are commands again. */
    private void end() {
        ended = true;
        timer.cancel(false);
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this);
        }
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.auth.AuthStep;
import io.mysqlproxy.core.auth.ClientAuthentication;
import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.packet.ComChangeUser;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.ServerPacket;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;

/**
 * COM_CHANGE_USER: the client authenticates again (against the greeting's nonce, with an auth
 * switch if its plugin differs), and the session continues on a primary connection of the new
 * user from the pool (clean, as the server would leave it). The caller gives the old connections
 * back once the new one is ready.
 */
final class ChangeUserExchange implements AuthStep.Handler {

    /** How the exchange ends. */
    interface Outcome {
        void changed(BackendConnection backend, BackendLogin login, UserAccount user, int okSequence);

        void refused(ErrPacket error, int sequence, String reason);
    }

    private final ChannelHandlerContext ctx;
    private final SessionServices services;
    private final SessionInfo info;
    private final Outcome outcome;
    private ClientAuthentication authentication;
    private ComChangeUser request;
    private int sequence;

    ChangeUserExchange(ChannelHandlerContext ctx, SessionServices services, SessionInfo info, Outcome outcome) {
        this.ctx = ctx;
        this.services = services;
        this.info = info;
        this.outcome = outcome;
    }

    void start(ByteBuf payload) {
        request = ComChangeUser.decode(payload, info.capabilities());
        authentication = services.authentication(info.nonce(), info.host());
        String plugin = request.authPluginName() != null ? request.authPluginName()
                : AuthPlugin.MYSQL_NATIVE_PASSWORD.wireName();
        authentication.start(request.username(), plugin, request.authResponse(), info.secure()).applyTo(this);
    }

    /** The client's next auth packet; false if it was out of order (the exchange has then failed). */
    void onClientPacket(int packetSequence, ByteBuf payload) {
        if (packetSequence != ((sequence + 1) & 0xff)) {
            outcome.refused(ProxyErrors.packetsOutOfOrder(sequence + 1, packetSequence), packetSequence + 1,
                    "COM_CHANGE_USER packet out of order");
            return;
        }
        sequence = packetSequence;
        authentication.next(WireStrings.readRestBytes(payload), info.secure()).applyTo(this);
    }

    @Override
    public void reply(ServerPacket packet) {
        sequence = (sequence + 1) & 0xff;
        ctx.writeAndFlush(packet.toFrame(ctx.alloc(), sequence, info.capabilities()));
    }

    @Override
    public void replyThenSucceed(ServerPacket packet, UserAccount user) {
        reply(packet);
        succeed(user);
    }

    @Override
    public void succeed(UserAccount user) {
        int okSequence = (sequence + 1) & 0xff;
        int charset = request.characterSet() >= 0 ? request.characterSet() : 45;
        int capabilities = info.capabilities() & ~Capability.SSL.mask();
        BackendLogin login = new BackendLogin(user.name(), user.password(), capabilities, charset & 0xff,
                request.database().isEmpty() ? null : request.database(), request.attributes());
        Future<BackendConnection> opening = services.pool(services.topology().primary())
                .borrow(ctx.channel().eventLoop(), login, false);
        opening.addListener(f -> {
            if (f.isSuccess()) {
                outcome.changed(opening.getNow(), login, user, okSequence);
            } else {
                ErrPacket error = f.cause() instanceof BackendException b ? b.error()
                        : ProxyErrors.cannotConnect("primary", String.valueOf(f.cause()));
                outcome.refused(error, okSequence, "backend login as '" + user.name() + "' failed: " + error.message());
            }
        });
    }

    @Override
    public void fail(ErrPacket error, String reason) {
        outcome.refused(error, sequence + 1, "COM_CHANGE_USER to '" + request.username() + "' refused: " + reason);
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.LogText;
import io.mysqlproxy.protocol.packet.ComChangeUser;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.netty.channel.ChannelHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's side of COM_CHANGE_USER: it puts a {@link ChangeUserHandler} in front of the command
 * stages for the exchange and, when the new user is in, starts the session over as that user: the old
 * legs go back to their pools, prepared statements and session state are forgotten, and the session
 * goes on with the new user's primary connection. Commands wait while a change is in progress.
 */
final class UserChange implements ChangeUserHandler.Outcome {

    /** What the change needs of the session around it. */
    interface Session {
        boolean closing();

        /** The change is over, either way: commands that waited may run. */
        void userChangeEnded();

        void abort(ErrPacket error, int sequence, String reason);
    }

    private static final Logger log = LoggerFactory.getLogger(UserChange.class);

    private final Session session;
    private final SessionServices services;
    private final SessionIdentity identity;
    private final SessionLegs legs;
    private final PreparedStatements statements;
    private final SessionTracker tracker;
    private final SessionIdleTimer idle;
    private final ClientSequence sequence;
    private final HoldWatch holds;
    private ChannelHandlerContext ctx;
    private boolean inProgress;

    UserChange(
            Session session,
            SessionServices services,
            SessionIdentity identity,
            SessionLegs legs,
            PreparedStatements statements,
            SessionTracker tracker,
            SessionIdleTimer idle,
            ClientSequence sequence,
            HoldWatch holds) {
        this.sequence = sequence;
        this.holds = holds;
        this.session = session;
        this.services = services;
        this.identity = identity;
        this.legs = legs;
        this.statements = statements;
        this.tracker = tracker;
        this.idle = idle;
    }

    /** Starts the exchange on the session's channel ({@code ctx} is the session stage's). */
    void start(ChannelHandlerContext ctx, ComChangeUser request) {
        this.ctx = ctx;
        inProgress = true;
        ctx.pipeline()
                .addBefore(
                        FrontendPipeline.COMMAND_FRAMES,
                        FrontendPipeline.CHANGE_USER,
                        new ChangeUserHandler(services, services, identity.info(), request, sequence, this));
    }

    boolean inProgress() {
        return inProgress;
    }

    @Override
    public boolean sessionClosing() {
        return session.closing();
    }

    @Override
    public void changed(LoginConnections.Started started, BackendLogin login, UserAccount user, int okSequence) {
        inProgress = false;
        BackendConnection fresh = started.connection();
        if (session.closing()) {
            services.pool(started.backend()).release(fresh);
            return;
        }
        legs.releaseAll();
        statements.clear();
        identity.changedTo(user.name(), login);
        OkPacket loginOk = fresh.loginOk();
        tracker.startOver(
                new SessionState(
                        login.database(),
                        login.characterSet(),
                        services.consistencyOf(user.name()),
                        services.sessionLimits().maxReplayedSetBytes()),
                loginOk.statusFlags());
        legs.adopt(started.backend(), fresh);
        holds.check();
        idle.start();
        ctx.writeAndFlush(new OkPacket(OkPacket.HEADER, 0, 0, loginOk.statusFlags(), loginOk.warnings(), null, null)
                .toFrame(ctx.alloc(), okSequence, identity.info().capabilities()));
        log.debug("{}: changed user to '{}' on {}", identity.logPrefix(), LogText.escape(user.name()), fresh);
        session.userChangeEnded();
    }

    @Override
    public void refused(ErrPacket error, int sequence, String reason) {
        inProgress = false;
        session.abort(error, sequence, reason);
    }
}

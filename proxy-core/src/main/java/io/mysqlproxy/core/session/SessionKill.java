package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.flag.CommandType;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * KILL [CONNECTION | QUERY] and COM_PROCESS_KILL, which the proxy answers itself: they name a proxy
 * connection id (the only ids clients know: sent to a server, the number would name one of its
 * threads, another client's). The target session acts on its own event loop; only the same user's
 * sessions may be killed. A statement still running on a backend is stopped there with a KILL
 * QUERY of its server thread ({@link BackendKill}).
 */
final class SessionKill {

    /** What a KILL needs to know of the session it lands on, beyond its {@link CommandContext}. */
    interface Target {
        /** The command in flight, or null. */
        Command current();

        /** Whether the client is mid-command: one in flight, its upload or continuation, or a change of user. */
        boolean midCommand();

        boolean closing();

        /** Ends the session normally: legs go back to their pools, the client is closed. */
        void closeSession();
    }

    private static final Logger log = LoggerFactory.getLogger(SessionKill.class);

    private final CommandContext session;
    private final ClientReplies replies;
    private final Target self;
    private final SessionBackends backends;
    private final SessionRegistry sessions;

    SessionKill(
            CommandContext session,
            ClientReplies replies,
            Target self,
            SessionBackends backends,
            SessionRegistry sessions) {
        this.session = session;
        this.replies = replies;
        this.self = self;
        this.backends = backends;
        this.sessions = sessions;
    }

    /** This session's KILL of session {@code id}; the client gets its answer once the target acted. */
    void kill(CommandType type, long id, boolean query) {
        kill(type, id, query, cmd -> {
            replies.replyOk(1);
            session.finish(cmd);
        });
    }

    /**
     * This session's KILL of session {@code id} that begins a multi-statement: once the target acted,
     * {@code rest} answers the client and goes on with the statements after the KILL (the KILL's command
     * is then {@code rest}'s to finish or replace). A failed KILL ends the text there, as a server ends a
     * multi-statement at its first error.
     */
    void killThen(long id, boolean query, Consumer<Command> rest) {
        kill(CommandType.QUERY, id, query, rest);
    }

    private void kill(CommandType type, long id, boolean query, Consumer<Command> killed) {
        Command cmd = new Command(type, null, null, null, null);
        session.begin(cmd);
        LiveSession target = sessions.get(id);
        if (target == null) {
            session.fail(cmd, ProxyErrors.unknownThread(id));
            return;
        }
        Promise<Boolean> outcome = session.eventLoop().newPromise();
        String user = session.info().user();
        target.eventLoop().execute(() -> target.killedBy(user, query, outcome));
        outcome.addListener(f -> {
            if (!session.isCurrent(cmd)) {
                return;
            }
            if (outcome.getNow()) {
                killed.accept(cmd);
            } else {
                session.fail(cmd, ProxyErrors.unknownThread(id));
            }
        });
    }

    /**
     * A KILL from a session of {@code user}, on this session's loop. KILL QUERY cancels the command in
     * flight on a backend, if any; KILL CONNECTION ends the session, with an error if it is mid-command.
     * Completes {@code outcome} with false when the session is not {@code user}'s (or already ending).
     */
    void killedBy(String user, boolean query, Promise<Boolean> outcome) {
        SessionInfo info = session.info();
        if (self.closing() || !info.user().equals(user)) {
            outcome.setSuccess(false);
            return;
        }
        Command cmd = self.current();
        Leg busy = cmd != null && cmd.sent() && !cmd.leg().released() ? cmd.leg() : null;
        if (query) {
            if (busy == null) {
                outcome.setSuccess(true);
            } else {
                log.info(
                        "[conn {}] {}: KILL QUERY: cancelling {} on {}",
                        info.connectionId(),
                        info.remote(),
                        cmd.type(),
                        busy);
                BackendConnection connection = busy.connection();
                // Under multiplexing the thread may serve another session once the borrow is through.
                cancel(busy, () -> self.current() == cmd && !busy.released() && connection.responsePending())
                        .addListener(f -> outcome.setSuccess(true));
            }
            return;
        }
        if (busy != null) {
            // Closing the connection alone would leave the server running the statement; it is closed, not
            // given back, so its thread serves no one else meanwhile.
            cancel(busy, () -> true);
        }
        if (self.midCommand()) {
            session.abort(ProxyErrors.connectionKilled(), "killed by KILL CONNECTION");
        } else {
            log.info("[conn {}] {}: closing session: killed by KILL CONNECTION", info.connectionId(), info.remote());
            self.closeSession();
        }
        outcome.setSuccess(true);
    }

    /** Sends KILL QUERY for {@code leg}'s server thread on another connection to the same backend. */
    private Future<Boolean> cancel(Leg leg, BooleanSupplier stillTarget) {
        return BackendKill.query(
                session.eventLoop(),
                backends.pool(leg.backend()),
                session.borrowLogin(),
                leg.connection().greeting().connectionId(),
                stillTarget);
    }
}

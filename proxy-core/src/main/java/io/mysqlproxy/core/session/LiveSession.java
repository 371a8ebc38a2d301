package io.mysqlproxy.core.session;

import io.mysqlproxy.core.report.SessionStatus;
import io.mysqlproxy.core.topology.Backend;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;

/** A client session as the registry sees it: what other sessions and the shutdown may ask of it, from any thread. */
interface LiveSession {

    EventLoop eventLoop();

    /** The proxy is shutting down: end at the next transaction boundary (at once if idle). */
    void drain();

    /** The proxy stops: a command or transaction still running is cut, with error 1053. */
    void shutDown(String reason);

    /**
     * {@code backend} went down: the session closes its connection there now unless a command uses it or it
     * holds the session's transaction, locks or temporary tables (a server shutting down waits for its
     * clients to close; MySQL up to 10 s).
     */
    void backendDown(Backend backend);

    /**
     * A KILL from a session of {@code user}, run on this session's loop: KILL QUERY cancels the command
     * in flight on its backend; KILL CONNECTION ends the session. {@code outcome} is false when the
     * session is not {@code user}'s (or is already ending).
     */
    void killedBy(String user, boolean query, Promise<Boolean> outcome);

    /**
     * SHOW PROCESSLIST from a session of {@code user}: completes {@code row} with this session's row, made on
     * its loop, or with null when {@code user} may not see it (another user's, unless {@code everyone}) or
     * it is ending.
     */
    void describeFor(String user, boolean everyone, Promise<ProcessListRow> row);

    /**
     * SHOW PROXY SESSIONS from a session of {@code user} (or {@code /sessions}, with {@code everyone}):
     * completes {@code status} with this session's snapshot, taken on its loop, or with null under the
     * same rule as {@link #describeFor}.
     */
    void statusFor(String user, boolean everyone, Promise<SessionStatus> status);
}

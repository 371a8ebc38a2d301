package io.mysqlproxy.core.session;

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
     * A KILL from a session of {@code user}, run on this session's loop: KILL QUERY cancels the command
     * in flight on its backend; KILL CONNECTION ends the session. {@code outcome} is false when the
     * session is not {@code user}'s (or is already ending).
     */
    void killedBy(String user, boolean query, Promise<Boolean> outcome);
}

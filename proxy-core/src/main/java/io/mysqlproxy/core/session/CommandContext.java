package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;

/**
 * The session as the classes that carry out a client command see it: the command in flight and who
 * the client is. Their answers go through {@link ClientReplies}. All on the session's event loop.
 */
interface CommandContext {

    SessionInfo info();

    EventLoop eventLoop();

    ByteBufAllocator alloc();

    /** The session's login with its current schema, for borrowing another connection of its user. */
    BackendLogin borrowLogin();

    /** {@code cmd} is now the command in flight; pipelined commands wait until it is finished. */
    void begin(Command cmd);

    /** Whether an asynchronous step of {@code cmd} may go on: it is still the command in flight. */
    boolean isCurrent(Command cmd);

    /** A step {@code cmd} waited for is over ({@link Command#waited}); whether the command may go on. */
    default boolean resume(Command cmd) {
        cmd.waited();
        return isCurrent(cmd);
    }

    /** Fails the command with {@code error} where the client expects its response, and finishes it. */
    void fail(Command cmd, ErrPacket error);

    /** The command is over: the next queued one may run. */
    void finish(Command cmd);

    /**
     * Whether the command in flight still expects frames from the client (the rest of a packet of
     * 16 MiB or more, or an upload).
     */
    boolean awaitingClientFrames();

    /** Sends the client an error where it expects the next packet, then ends the session. */
    void abort(ErrPacket error, String reason);
}

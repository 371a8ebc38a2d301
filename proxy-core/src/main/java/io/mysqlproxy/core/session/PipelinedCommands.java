package io.mysqlproxy.core.session;

import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * Client frames that arrived while a command was in flight, in order, until the session takes them
 * up. Bounded: a client that pipelines more than {@link #LIMIT} is not reading its answers, and its
 * session ends rather than hold its frames.
 */
final class PipelinedCommands {

    /** Frames a client may pipeline before the proxy gives up on it. */
    static final int LIMIT = 64;

    private final ArrayDeque<Object> frames = new ArrayDeque<>();

    /** Queues {@code frame} (the queue owns it now); false once the queue holds more than {@link #LIMIT}. */
    boolean add(Object frame) {
        frames.add(frame);
        return frames.size() <= LIMIT;
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    /** Whether the oldest frame continues the command taken up before it (a {@link FollowingFrame}, or its violation). */
    boolean nextFollows() {
        Object next = frames.peek();
        return next instanceof FollowingFrame
                || next instanceof ClientProtocolViolation violation && violation.following();
    }

    /** The oldest frame, now the caller's, or null. */
    Object poll() {
        return frames.poll();
    }

    void releaseAll() {
        Object frame;
        while ((frame = frames.poll()) != null) {
            ReferenceCountUtil.release(frame);
        }
    }
}

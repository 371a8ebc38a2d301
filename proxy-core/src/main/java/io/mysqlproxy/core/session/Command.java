package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.route.RouteDecision;
import io.mysqlproxy.protocol.flag.CommandType;
import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;

/**
 * The client command being served: its frame until it is sent, its classification and route,
 * the leg it went to, and the continuation frames (of a 16 MiB+ command) that arrived before the
 * leg was ready. Owned by the session; {@link #release()} drops whatever frames it still holds.
 */
final class Command {

    final CommandType type;
    final Classification classification;
    /** The statement text, copied, for the kinds whose text the session reads (SET, USE, CALL, prepare...). */
    final byte[] sql;
    final PreparedStatement statement;
    RouteDecision decision;
    ByteBuf frame;
    /** Where the command was sent, once it was. */
    Leg leg;
    /** The leg an internal step of this command is waiting on, if any. */
    Leg waitingOn;
    /** Whether the command ran on a replica because the session's consistency allowed it. */
    boolean consistencyChecked;
    private ArrayDeque<ByteBuf> continuation;
    /** A second reference to a replica read's frame, so that it can be sent again if that replica dies. */
    ByteBuf retryFrame;
    /** How many times the read was sent again after its replica died. */
    int retries;
    /** System.nanoTime() when the command went to its leg, for the latency metric. */
    long sentAt;

    Command(CommandType type, ByteBuf frame, Classification classification, byte[] sql, PreparedStatement statement) {
        this.type = type;
        this.frame = frame;
        this.classification = classification;
        this.sql = sql;
        this.statement = statement;
    }

    boolean sent() {
        return leg != null;
    }

    /** Holds a continuation frame until the command is sent. */
    void hold(ByteBuf frame) {
        if (continuation == null) {
            continuation = new ArrayDeque<>(2);
        }
        continuation.add(frame);
    }

    /** The next held continuation frame, or null. */
    ByteBuf nextHeld() {
        return continuation == null ? null : continuation.poll();
    }

    /** Whether continuation frames are waiting (such a command is never retried). */
    boolean holdsContinuation() {
        return continuation != null && !continuation.isEmpty();
    }

    void release() {
        if (frame != null) {
            frame.release();
            frame = null;
        }
        if (retryFrame != null) {
            retryFrame.release();
            retryFrame = null;
        }
        ByteBuf held;
        while ((held = nextHeld()) != null) {
            held.release();
        }
    }
}

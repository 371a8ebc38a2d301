package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.pool.PrimaryOutageBuffer;
import io.mysqlproxy.core.route.RouteDecision;
import io.mysqlproxy.core.route.Router;
import io.mysqlproxy.core.stats.DigestEntry;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;

/**
 * The client command being served: its frame until it is sent, its classification and route, the
 * leg it went to, and the continuation frames (of a 16 MiB+ command) that arrived before the leg was
 * ready. Owned by the session; {@link #release()} drops whatever frames it still holds.
 */
final class Command {

    private final CommandType type;
    private final Classification classification;
    /** The statement text, copied, for the kinds whose text the session reads (SET, USE, CALL, prepare...). */
    private final byte[] sql;

    private final PreparedStatement statement;
    private RouteDecision decision;
    private ByteBuf frame;
    /** Where the command was sent, once it was. */
    private Leg leg;
    /** The leg an internal step of this command is waiting on, if any. */
    private Leg waitingOn;
    /** Whether the replica chosen for a read-your-writes read was seen to have the session's writes. */
    private boolean writesSeen;

    private ArrayDeque<ByteBuf> continuation;
    /** A second reference to a replica read's frame, so that it can be sent again if that replica dies. */
    private ByteBuf retryFrame;
    /** How many times the read was sent again after its replica died. */
    private int retries;
    /** System.nanoTime() when the command went to its leg, for the latency metric; 0 if not measured. */
    private long sentAt;
    /** The command's wait for the primary to come back, once it found the primary away. */
    private PrimaryOutageBuffer.Wait primaryWait;
    /** The statistics entry of the statement's digest, or null (not a statement, or statistics off). */
    private DigestEntry digest;
    /** How many response packets the proxy sent the client for this command before the server's (see {@link #answeredAhead}). */
    private int packetsAhead;

    Command(CommandType type, ByteBuf frame, Classification classification, byte[] sql, PreparedStatement statement) {
        this.type = type;
        this.frame = frame;
        this.classification = classification;
        this.sql = sql;
        this.statement = statement;
    }

    CommandType type() {
        return type;
    }

    /** The statement's classification, or null for commands without text. */
    Classification classification() {
        return classification;
    }

    byte[] sql() {
        return sql;
    }

    /** The prepared statement a COM_STMT_* command names, or null. */
    PreparedStatement statement() {
        return statement;
    }

    RouteDecision decision() {
        return decision;
    }

    /** The router decided (again): a replica chosen from now on has not yet been seen to have the session's writes. */
    void route(RouteDecision decision) {
        this.decision = decision;
        this.writesSeen = false;
    }

    /** Whether the replica leg must first be checked for the session's writes, or for the primary's position (global). */
    boolean awaitsWriteCheck() {
        return Router.waitsForPosition(decision) && !writesSeen;
    }

    void writesSeen() {
        writesSeen = true;
    }

    /** The payload length of the frame's first packet, while the command holds it (0 once sent). */
    int payloadLength() {
        return frame == null ? 0 : Packets.payloadLength(frame);
    }

    /** The parameter types an EXECUTE frame the command still holds binds (see {@link StmtCommands#boundTypes}), or null. */
    byte[] boundTypes(int parameters) {
        return frame == null ? null : StmtCommands.boundTypes(frame, parameters);
    }

    /** Hands over the frame to send; the command no longer holds it. */
    ByteBuf takeFrame() {
        ByteBuf taken = frame;
        frame = null;
        return taken;
    }

    Leg leg() {
        return leg;
    }

    boolean sent() {
        return leg != null;
    }

    /** The command went to {@code leg}; {@code sentAt} is System.nanoTime() for a measured statement, else 0. */
    void sentTo(Leg leg, long sentAt) {
        this.leg = leg;
        this.sentAt = sentAt;
    }

    long sentAt() {
        return sentAt;
    }

    /** The statement is counted under {@code entry} once its response is complete. */
    void countUnder(DigestEntry entry) {
        this.digest = entry;
    }

    DigestEntry digest() {
        return digest;
    }

    /** An internal step of the command now waits on {@code leg}. */
    void waitOn(Leg leg) {
        waitingOn = leg;
    }

    /** The internal step is over. */
    void waited() {
        waitingOn = null;
    }

    /** Whether the command was sent to {@code leg} or waits on it. */
    boolean uses(Leg leg) {
        return this.leg == leg || waitingOn == leg;
    }

    /** Keeps a second reference to the sent frame, so that the read can be sent elsewhere if its replica dies. */
    void keepForRetry(ByteBuf frame) {
        retryFrame = frame.retainedDuplicate();
    }

    boolean retryable() {
        return retryFrame != null;
    }

    int retries() {
        return retries;
    }

    /** The replica died before answering: the kept frame is to be sent again, to another backend. */
    void startRetry() {
        frame = retryFrame;
        retryFrame = null;
        retries++;
        leg = null;
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

    /**
     * The proxy already answered the client {@code packets} packets of this command (the KILL that began a
     * multi-statement): the server's response is numbered on from there.
     */
    void answeredAhead(int packets) {
        packetsAhead = packets;
    }

    /** Response packets the proxy sent the client for this command before the server's. */
    int packetsAhead() {
        return packetsAhead;
    }

    PrimaryOutageBuffer.Wait primaryWait() {
        return primaryWait;
    }

    /** The command waits for the primary to come back (see {@link PrimaryWaits}). */
    void awaitPrimary(PrimaryOutageBuffer.Wait wait) {
        primaryWait = wait;
    }

    void release() {
        if (primaryWait != null) {
            // A no-op when the wait already ended (the command went out, or its time ran out).
            primaryWait.end(PrimaryOutageBuffer.Outcome.ABANDONED);
        }
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

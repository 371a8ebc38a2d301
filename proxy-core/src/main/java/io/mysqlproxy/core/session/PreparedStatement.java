package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.StatementDigest;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A statement the client prepared (binary protocol), under the id the proxy gave it. The server
 * side exists per backend connection, prepared lazily where the statement is first executed, so
 * the statement keeps its text and each leg's own id. It also keeps the parameter types of the
 * last execution that sent them: a client sends types once, but a backend preparing the statement
 * later has never seen them.
 */
final class PreparedStatement {

    private final int clientId;
    private final byte[] sql;
    /** {@code Arrays.hashCode(sql)}, for the key it is shared under on each borrowed connection. */
    private final int sqlHash;

    private final Classification classification;
    private final int parameters;
    private final Map<Leg, Integer> backendIds = new IdentityHashMap<>();
    private final Map<Leg, Integer> typesSeenBy = new IdentityHashMap<>();
    private byte[] types;
    private int typesVersion;
    /** Where SEND_LONG_DATA went since the last execution (the next EXECUTE must go there too). */
    private Leg longDataLeg;
    /** Where the last execution ran (an open cursor lives there). */
    private Leg lastLeg;
    /** Whether the last execution opened a cursor that no COM_STMT_RESET has closed since. */
    private boolean cursorOpen;
    /**
     * Whether it ever opened a cursor or sent long data: such server state is one session's, so its server
     * statements are never shared through a connection's cache ({@link SharedStatements}).
     */
    private boolean keptPrivate;

    /** The digest of {@code sql}, computed at the first execution that records statistics; 0 until then. */
    private long digest;

    private boolean digested;

    /** The session's counts of statements holding a leg, this one's share included; null once closed. */
    private StatementHoldCounts counts;

    PreparedStatement(
            int clientId, byte[] sql, Classification classification, int parameters, StatementHoldCounts counts) {
        this.counts = counts;
        this.clientId = clientId;
        this.sql = sql;
        this.sqlHash = Arrays.hashCode(sql);
        this.classification = classification;
        this.parameters = parameters;
    }

    int clientId() {
        return clientId;
    }

    byte[] sql() {
        return sql;
    }

    int sqlHash() {
        return sqlHash;
    }

    Classification classification() {
        return classification;
    }

    /**
     * The {@link StatementDigest} of the prepared text, which every execution is counted under; read as under
     * NO_BACKSLASH_ESCAPES when the session had it at the first execution counted.
     */
    long digest(boolean noBackslashEscapes) {
        if (!digested) {
            digest = StatementDigest.of(sql, 0, sql.length, noBackslashEscapes);
            digested = true;
        }
        return digest;
    }

    int parameters() {
        return parameters;
    }

    /** The statement's id on {@code leg}, or null if it is not prepared there. */
    Integer backendId(Leg leg) {
        return backendIds.get(leg);
    }

    void preparedOn(Leg leg, int backendId) {
        backendIds.put(leg, backendId);
    }

    void cursorOpen(boolean open) {
        boolean cursor = cursorHeld();
        boolean longData = longDataHeld();
        this.cursorOpen = open;
        keptPrivate |= open;
        counted(cursor, longData);
    }

    /** The statement is closed (or the session reset): it no longer counts as holding anything. */
    void closed() {
        counted(cursorHeld(), longDataHeld(), false, false);
        counts = null;
    }

    /** Tells the counts what changed since the cursor and long data were held as given. */
    private void counted(boolean cursorBefore, boolean longDataBefore) {
        counted(cursorBefore, longDataBefore, cursorHeld(), longDataHeld());
    }

    private void counted(boolean cursorBefore, boolean longDataBefore, boolean cursorNow, boolean longDataNow) {
        if (counts != null) {
            counts.changed(cursorBefore, cursorNow, longDataBefore, longDataNow);
        }
    }

    /** Whether its server statements may be shared with other sessions: it never opened a cursor or sent long data. */
    boolean shareable() {
        return !keptPrivate;
    }

    /** Whether {@code leg} holds this statement's open cursor or the long data of its next execution. */
    boolean heldOn(Leg leg) {
        return leg == longDataLeg || (leg == lastLeg && cursorOpen);
    }

    /** Whether the last execution's cursor is still open on the leg it ran on. */
    boolean cursorHeld() {
        return cursorOpen && lastLeg != null;
    }

    /** Whether long data waits on a leg for the next execution. */
    boolean longDataHeld() {
        return longDataLeg != null;
    }

    Map<Leg, Integer> backendIds() {
        return backendIds;
    }

    /**
     * The client's {@code command} frame on this statement, made fit for {@code leg}: renumbered to
     * the statement's id there and, for an execution, completed with the parameter types {@code leg}
     * has not seen. Remembers where executions and long data went. May return a new frame, having
     * released {@code frame}.
     */
    ByteBuf frameFor(CommandType command, Leg leg, ByteBuf frame, ByteBufAllocator alloc) {
        StmtCommands.setStatementId(frame, backendId(leg));
        boolean cursor = cursorHeld();
        boolean longData = longDataHeld();
        if (command == CommandType.STMT_EXECUTE) {
            frame = withParameterTypes(leg, frame, alloc);
            lastLeg = leg;
            longDataLeg = null;
        } else if (command == CommandType.STMT_SEND_LONG_DATA) {
            longDataLeg = leg;
            keptPrivate = true;
        }
        counted(cursor, longData);
        return frame;
    }

    /**
     * Whether an EXECUTE of {@code payloadLength} bytes leaves room for the parameter types to be inserted on a
     * leg that lacks them (see {@link #frameFor}): if not, it goes out with none, and the server uses the types
     * its statement was bound with last.
     */
    boolean typesFitIn(int payloadLength) {
        return types == null || payloadLength + types.length < Packets.MAX_PAYLOAD;
    }

    private ByteBuf withParameterTypes(Leg leg, ByteBuf frame, ByteBufAllocator alloc) {
        byte[] bound = StmtCommands.boundTypes(frame, parameters);
        if (bound != null) {
            typesBound(leg, bound);
            return frame;
        }
        byte[] missing = typesMissingOn(leg);
        if (missing == null) {
            return frame;
        }
        ByteBuf completed = StmtCommands.withBoundTypes(frame, parameters, missing, alloc);
        if (completed == null) {
            return frame;
        }
        frame.release();
        typesSent(leg);
        return completed;
    }

    /** The parameter types of the last execution that bound them, or null. */
    byte[] types() {
        return types;
    }

    /** The client bound new types in an execution on {@code leg}. */
    private void typesBound(Leg leg, byte[] newTypes) {
        types = newTypes;
        typesVersion++;
        typesSeenBy.put(leg, typesVersion);
    }

    /** The types {@code leg} lacks (it never saw the latest ones), or null. */
    private byte[] typesMissingOn(Leg leg) {
        if (types == null) {
            return null;
        }
        Integer seen = typesSeenBy.get(leg);
        return seen != null && seen == typesVersion ? null : types;
    }

    private void typesSent(Leg leg) {
        typesSeenBy.put(leg, typesVersion);
    }

    /** The next execution's long data is dropped (COM_STMT_RESET). */
    void dropLongData() {
        boolean cursor = cursorHeld();
        boolean longData = longDataHeld();
        this.longDataLeg = null;
        counted(cursor, longData);
    }

    /**
     * The usable leg a {@code command} on this statement must follow, or null when it is free to go
     * anywhere: a fetch or reset follows the last execution (its cursor) or else the long data; an
     * execution or more long data follows the long data sent so far.
     */
    Leg stateLeg(CommandType command) {
        Leg leg = command == CommandType.STMT_FETCH || command == CommandType.STMT_RESET
                ? (lastLeg != null ? lastLeg : longDataLeg)
                : longDataLeg;
        return leg != null && !leg.released() ? leg : null;
    }

    /** The leg is gone (released or broken): forget what lived on it. */
    void forget(Leg leg) {
        boolean cursor = cursorHeld();
        boolean longData = longDataHeld();
        backendIds.remove(leg);
        typesSeenBy.remove(leg);
        if (longDataLeg == leg) {
            longDataLeg = null;
        }
        if (lastLeg == leg) {
            lastLeg = null;
            cursorOpen = false;
        }
        counted(cursor, longData);
    }
}

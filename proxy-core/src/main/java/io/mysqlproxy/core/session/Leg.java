package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.ResponseSink;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.pool.BackendLoad;
import io.mysqlproxy.core.pool.ConnectionPool;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.result.BufferedResponse;
import io.mysqlproxy.protocol.wire.Packets;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;

/**
 * One backend connection a session has borrowed, and what the session knows of it: how far into
 * the session's SET log it is, the last GTID it was seen to have applied, and its last status
 * flags. Responses either go to the client ({@link Owner}) or, for the commands the proxy sends on
 * its own behalf, are collected whole and handed to a callback.
 */
final class Leg implements ResponseSink {

    /** The session side of a leg: where relayed bytes and events go. */
    interface Owner {
        void forward(Leg leg, ByteBuf bytes, int lastSequenceId);

        void responseComplete(Leg leg, int status, boolean failed);

        void localInfileRequested(Leg leg);

        void flushClient();

        void legWritabilityChanged();

        void legFailed(Leg leg, String reason);

        /**
         * Whether the command in flight on {@code leg} may be sent again elsewhere now, as after the leg's loss
         * before any answer (see {@link LegFailures}); asked when the server refused it for its shutdown.
         */
        boolean mayResend(Leg leg);
    }

    /** Receives a whole response to a command the proxy sent itself; it owns {@code response}. */
    interface InternalResult {
        void completed(ByteBuf response, boolean failed, int status);
    }

    /** The first cell of a query the proxy sent itself: {@code ok} false if it failed or did not parse. */
    interface ValueResult {
        void answered(boolean ok, String value);
    }

    private final Backend backend;
    private final ConnectionPool pool;
    private final BackendConnection connection;
    private final Owner owner;
    private long appliedVersion;
    private String appliedGtid;
    private int status;
    private InternalResult internal;
    private CompositeByteBuf collected;
    private boolean released;
    private boolean wrote;
    /** What LAST_INSERT_ID() returns on the connection, as far as the proxy saw (multiplexing tracks it). */
    private long insertId;
    /** Whether a LAST_INSERT_ID(expr) ran here: the value is the server's to say, not the OK's. */
    private boolean insertIdUnknown;
    /** Whether the connection carries another session's state that only COM_RESET_CONNECTION removes. */
    private boolean needsReset;
    /** Whether the response to the client command in flight has begun. */
    private boolean answering;
    /** Whether the server answered the command in flight "shutdown in progress": the connection is finished. */
    private boolean shuttingDown;
    /** Whether that refusal was kept from the client because the command is sent elsewhere. */
    private boolean resent;

    Leg(Backend backend, ConnectionPool pool, BackendConnection connection, Owner owner) {
        this.backend = backend;
        this.pool = pool;
        this.connection = connection;
        this.owner = owner;
        this.status = connection.loginOk().statusFlags();
        connection.attach(this);
    }

    Backend backend() {
        return backend;
    }

    BackendConnection connection() {
        return connection;
    }

    /** The load counters of the pool this leg's connection came from. */
    BackendLoad load() {
        return pool.load();
    }

    long appliedVersion() {
        return appliedVersion;
    }

    void appliedVersion(long version) {
        this.appliedVersion = version;
    }

    /** The GTID (position or set) this replica was last seen to have applied for the session, or null. */
    String appliedGtid() {
        return appliedGtid;
    }

    void appliedGtid(String gtid) {
        this.appliedGtid = gtid;
    }

    /** Whether a statement that may have written or set LAST_INSERT_ID() ran here (so LAST_INSERT_ID() may have changed). */
    boolean wrote() {
        return wrote;
    }

    void wrote(boolean wrote) {
        this.wrote = wrote;
    }

    long insertId() {
        return insertId;
    }

    void insertId(long insertId) {
        this.insertId = insertId;
        this.insertIdUnknown = false;
    }

    boolean insertIdUnknown() {
        return insertIdUnknown;
    }

    void insertIdUnknown(boolean unknown) {
        this.insertIdUnknown = unknown;
    }

    boolean needsReset() {
        return needsReset;
    }

    void needsReset(boolean needsReset) {
        this.needsReset = needsReset;
    }

    /** Status flags of the last response to a client command. */
    int status() {
        return status;
    }

    /** Sends a client command frame; the response is relayed to the owner. */
    void send(CommandType command, ByteBuf frame) {
        answering = false;
        boolean expectsResponse = connection.beginCommand(command);
        if (expectsResponse) {
            pool.load().requestStarted();
        }
        connection.write(frame);
    }

    /** Sends a command of the proxy's own and collects its response for {@code result}. */
    void sendInternal(CommandType command, ByteBuf frame, InternalResult result) {
        internal = result;
        collected = connection.channel().alloc().compositeBuffer(64);
        connection.beginCommand(command);
        pool.load().requestStarted();
        connection.write(frame);
        connection.flush();
    }

    /** Sends {@code sql} of the proxy's own and hands the first cell of its answer (null for NULL or no row) to {@code result}. */
    void queryValue(String sql, ValueResult result) {
        sendInternal(
                CommandType.QUERY,
                StmtCommands.query(connection.channel().alloc(), sql),
                (response, failed, status) -> {
                    String value = null;
                    boolean ok = !failed;
                    try {
                        value = failed ? null : BufferedResponse.firstCell(response, connection.deprecateEof());
                    } catch (ProtocolException e) {
                        ok = false;
                    } finally {
                        response.release();
                    }
                    result.answered(ok, value);
                });
    }

    @Override
    public void forward(ByteBuf bytes, int lastSequenceId) {
        if (internal != null) {
            collected.addComponent(true, bytes);
            return;
        }
        if (!answering) {
            answering = true;
            // A server shutting down refuses every statement with 1053 before it closes its connections (MySQL
            // waits up to 10 s for them): the statement did not run, so it goes elsewhere if it may, like one
            // lost before any answer; either way this connection is finished.
            shuttingDown = isShutdownError(bytes);
            if (shuttingDown && owner.mayResend(this)) {
                resent = true;
                bytes.release();
                backendFailed("the server refused the statement: shutdown in progress (1053)", null);
                connection.close();
                return;
            }
        }
        owner.forward(this, bytes, lastSequenceId);
    }

    /**
     * Whether {@code bytes}, the first bytes of a response, hold an ERR packet 1053 (ER_SERVER_SHUTDOWN): first,
     * or after a result set's metadata when the server stopped the statement as it shut down. No other packet
     * of a response starts with 0xff (a row's first value is never a length of 0xff), so it is that ERR.
     */
    private static boolean isShutdownError(ByteBuf bytes) {
        int at = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (end - at >= Packets.HEADER_SIZE + 3) {
            int length = bytes.getUnsignedMediumLE(at);
            if (bytes.getUnsignedByte(at + Packets.HEADER_SIZE) == ErrPacket.HEADER
                    && bytes.getUnsignedShortLE(at + Packets.HEADER_SIZE + 1) == ProxyErrors.ER_SERVER_SHUTDOWN) {
                return true;
            }
            at += Packets.HEADER_SIZE + length;
        }
        return false;
    }

    @Override
    public void responseComplete(int status) {
        if (resent) {
            return; // the refusal the client never saw: the leg is gone already
        }
        pool.load().requestEnded();
        boolean failed = connection.lastResponseFailed();
        if (internal != null) {
            InternalResult result = internal;
            ByteBuf response = collected;
            internal = null;
            collected = null;
            result.completed(response, failed, status);
            return;
        }
        this.status = status;
        owner.responseComplete(this, status, failed);
        if (shuttingDown) {
            // Relayed as the server's answer (flushed now: a closed leg ends no read that would flush it); the
            // connection goes, and the session hears of it as of any loss.
            owner.flushClient();
            connection.close();
        }
    }

    @Override
    public void localInfileRequested() {
        owner.localInfileRequested(this);
    }

    @Override
    public void flush() {
        owner.flushClient();
    }

    @Override
    public void backendWritabilityChanged() {
        owner.legWritabilityChanged();
    }

    @Override
    public void backendFailed(String reason, Throwable cause) {
        dropCollected();
        if (!released) {
            released = true;
            if (connection.responsePending()) {
                pool.load().requestEnded();
            }
            owner.legFailed(this, reason);
        }
    }

    /** Gives the connection back to its pool (reset there), or closes it if it is mid-response. */
    void release() {
        if (endUse()) {
            pool.release(connection);
        }
    }

    /** Closes the connection instead of reusing it (its state cannot be trusted). */
    void discard() {
        if (endUse()) {
            pool.discard(connection);
        }
    }

    /** Ends the session's use of the connection once; false if it already ended. */
    private boolean endUse() {
        if (released) {
            return false;
        }
        released = true;
        dropCollected();
        if (connection.responsePending()) {
            pool.load().requestEnded();
        }
        connection.detach();
        return true;
    }

    boolean released() {
        return released;
    }

    private void dropCollected() {
        internal = null;
        if (collected != null) {
            collected.release();
            collected = null;
        }
    }

    @Override
    public String toString() {
        return backend.role().label() + " " + connection;
    }
}

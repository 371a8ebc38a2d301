package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.ResponseSink;
import io.mysqlproxy.core.pool.BackendLoad;
import io.mysqlproxy.core.pool.ConnectionPool;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.result.BufferedResponse;
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

    /** Status flags of the last response to a client command. */
    int status() {
        return status;
    }

    /** Sends a client command frame; the response is relayed to the owner. */
    void send(CommandType command, ByteBuf frame) {
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
        } else {
            owner.forward(this, bytes, lastSequenceId);
        }
    }

    @Override
    public void responseComplete(int status) {
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

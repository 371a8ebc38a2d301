package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.result.ResponseTracker;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An authenticated connection to one backend, in the command phase. It carries commands out as
 * frames and response bytes back to the {@link ResponseSink} attached to it (a client session, or
 * the pool while it resets the connection), and knows nothing else of who uses it. It remembers
 * the two pieces of session state that survive COM_RESET_CONNECTION or are set at login, the
 * current schema and the handshake collation, so a session can tell what it must change.
 * Used on its channel's event loop only.
 */
public final class BackendConnection {

    static final String FRAMES = "frames";
    static final String HANDSHAKE = "handshake";
    static final String RELAY = "relay";
    /** The TLS handler, first in the pipeline of a connection that uses TLS. */
    public static final String TLS = "tls";

    /** {@link #collation()} after COM_RESET_CONNECTION: the server's global default, id unknown. */
    public static final int SERVER_DEFAULT_COLLATION = -1;

    private final Channel channel;
    private final String address;
    private final HandshakeV10 greeting;
    private final int capabilities;
    private final OkPacket loginOk;
    private final ResponseTracker tracker;
    private final BackendLogin login;
    private final BackendTlsSession tls;
    /** System.nanoTime() when the login succeeded: a connection older than its account's change is stale. */
    private final long loggedInAt = System.nanoTime();

    private BackendRelayHandler relay;
    private String schema;
    private boolean schemaKnown = true;
    private boolean schemaChangedUnseen;
    private int collation;
    /** What the session that gave it back without a reset left on it; null when clean (fresh or reset). */
    private ConnectionImprint imprint;
    /** The statements it keeps prepared for its borrowers (transaction multiplexing); null until first asked for. */
    private PreparedStatementCache statements;

    BackendConnection(
            Channel channel,
            String address,
            HandshakeV10 greeting,
            int capabilities,
            OkPacket loginOk,
            BackendLogin login) {
        this(channel, address, greeting, capabilities, loginOk, login, null);
    }

    /** {@code tls}: the TLS session the connection runs in, or null for clear text. */
    BackendConnection(
            Channel channel,
            String address,
            HandshakeV10 greeting,
            int capabilities,
            OkPacket loginOk,
            BackendLogin login,
            BackendTlsSession tls) {
        this.tls = tls;
        this.channel = channel;
        this.address = address;
        this.greeting = greeting;
        this.capabilities = capabilities;
        this.loginOk = loginOk;
        this.login = login;
        this.schema = login.database();
        this.collation = login.characterSet();
        this.tracker = new ResponseTracker(Capability.DEPRECATE_EOF.isSet(capabilities));
    }

    /** Routes this connection's responses to {@code sink} from now on; the first call ends framing. */
    public void attach(ResponseSink sink) {
        if (relay == null) {
            relay = new BackendRelayHandler(tracker, sink);
            channel.pipeline().replace(FRAMES, RELAY, relay);
        } else {
            relay.sink(sink);
        }
    }

    /** Stops relaying to the attached sink: what arrives until the next attach closes the connection. */
    public void detach() {
        if (relay != null) {
            relay.sink(ResponseSink.UNATTACHED);
        }
    }

    /** Starts tracking the response to a command about to be sent; false when it has no response. */
    public boolean beginCommand(CommandType command) {
        return tracker.begin(command);
    }

    /**
     * Numbers the response to the command about to be sent {@code shift} past the server's sequence ids
     * (the proxy answered the first part of the client's command itself); needs an attached sink.
     */
    public void shiftResponseSequence(int shift) {
        if (relay == null) {
            throw new IllegalStateException("no sink attached");
        }
        relay.shiftSequence(shift);
    }

    /** Whether a response is still expected (a connection given back in this state cannot be reused). */
    public boolean responsePending() {
        return tracker.inProgress();
    }

    /** Rows the last response carried (row packets counted as they passed, never decoded). */
    public long lastResponseRows() {
        return tracker.lastResponseRows();
    }

    /** Whether the last response ended with an ERR packet. */
    public boolean lastResponseFailed() {
        return tracker.lastResponseFailed();
    }

    /** The last response's final warning count (of its last OK or EOF). */
    public int lastWarnings() {
        return tracker.lastWarnings();
    }

    /** The last response's affected rows (its last OK), as ROW_COUNT() reports them next. */
    public long lastAffectedRows() {
        return tracker.lastAffectedRows();
    }

    /** The last non-zero last_insert_id of the last response's OK packets, or 0. */
    public long lastInsertId() {
        return tracker.lastInsertId();
    }

    /** Whether the last response ended with a result set, and its rows. */
    public boolean lastResultSet() {
        return tracker.lastResultSet();
    }

    public long lastRows() {
        return tracker.lastRows();
    }

    /** Queues a frame (the connection takes ownership); call {@link #flush()} to send. */
    public void write(ByteBuf frame) {
        channel.write(frame, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    public void setAutoRead(boolean autoRead) {
        channel.config().setAutoRead(autoRead);
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    public boolean isActive() {
        return channel.isActive();
    }

    public ChannelFuture close() {
        return channel.close();
    }

    /**
     * Says COM_QUIT and lets the server hang up first, so that by the time the returned future
     * completes the server has let the connection go (and counts it no more against its
     * max_connections); closes it anyway after {@code wait}.
     */
    public ChannelFuture quit(Duration wait) {
        if (channel.isActive()) {
            channel.writeAndFlush(StmtCommands.command(channel.alloc(), CommandType.QUIT, new byte[0]));
            ScheduledFuture<?> timeout =
                    channel.eventLoop().schedule(() -> channel.close(), wait.toNanos(), TimeUnit.NANOSECONDS);
            channel.closeFuture().addListener(f -> timeout.cancel(false));
        }
        return channel.closeFuture();
    }

    public Channel channel() {
        return channel;
    }

    public String address() {
        return address;
    }

    public HandshakeV10 greeting() {
        return greeting;
    }

    public int capabilities() {
        return capabilities;
    }

    public boolean deprecateEof() {
        return Capability.DEPRECATE_EOF.isSet(capabilities);
    }

    /** The OK that ended the login: its status flags (autocommit) are a new session's starting state. */
    public OkPacket loginOk() {
        return loginOk;
    }

    /** What the connection logged in with (its user decides which sessions may reuse it). */
    /** System.nanoTime() of the login, to compare with other nanoTime() readings only. */
    public long loggedInAt() {
        return loggedInAt;
    }

    public BackendLogin login() {
        return login;
    }

    /** Whether the connection runs in TLS. */
    public boolean encrypted() {
        return tls != null;
    }

    /** Its TLS session, or empty for a clear-text connection. */
    public Optional<BackendTlsSession> tls() {
        return Optional.ofNullable(tls);
    }

    /** The schema this connection has selected, as far as the proxy has changed it, or null. */
    public String schema() {
        return schema;
    }

    /**
     * Whether the connection is known to be on {@code wanted} (null: no schema). False once a reset
     * followed a schema change the proxy did not see ({@link #schemaChangedUnseen}), until a schema
     * is selected again.
     */
    public boolean onSchema(String wanted) {
        return schemaKnown && Objects.equals(schema, wanted);
    }

    /**
     * The server may have changed schema without the proxy following (a USE inside a multi-statement).
     * The session that did it keeps the connection as it is; after the pool's reset the schema counts
     * as unknown, so the next borrower selects its own (COM_RESET_CONNECTION keeps the schema).
     */
    public void schemaChangedUnseen() {
        schemaChangedUnseen = true;
    }

    /** What the last session left on it when it gave it back without a reset, or null when it is clean. */
    public ConnectionImprint imprint() {
        return imprint;
    }

    /** Gives the connection back with {@code imprint} (not reset), or null: it is clean again. */
    public void imprint(ConnectionImprint imprint) {
        this.imprint = imprint;
    }

    /**
     * The statements it keeps prepared for whoever borrows it, made with room for {@code capacity} on the first
     * call (backends.pool.prepared-statement-cache, the same for every caller).
     */
    public PreparedStatementCache statementCache(int capacity) {
        if (statements == null) {
            statements = new PreparedStatementCache(capacity, this::closeStatement);
        }
        return statements;
    }

    /**
     * What a statement of {@code sql} prepared here now would rest on, given the SETs the borrower has run on
     * it; null while the schema is unknown (such a statement is not shared).
     */
    public StatementKey statementKey(byte[] sql, SessionSets sets) {
        return statementKey(sql, Arrays.hashCode(sql), sets);
    }

    /** As above, {@code sqlHash} being {@code Arrays.hashCode(sql)}. */
    public StatementKey statementKey(byte[] sql, int sqlHash, SessionSets sets) {
        return schemaKnown ? new StatementKey(sql, sqlHash, schema, collation, sets) : null;
    }

    /**
     * Closes server statement {@code id}. COM_STMT_CLOSE has no answer, so the response tracker (and what it
     * knows of the last response) is left as it is.
     */
    private void closeStatement(int id) {
        channel.writeAndFlush(
                StmtCommands.statementCommand(channel.alloc(), CommandType.STMT_CLOSE, id), channel.voidPromise());
    }

    /** The server dropped its prepared statements (COM_RESET_CONNECTION): the cache forgets them. */
    public void statementsDropped() {
        if (statements != null) {
            statements.clear();
        }
    }

    /** The connection was reset (for the pool or a borrower): a schema changed unseen is now unknown. */
    public void resetDone() {
        imprint = null;
        statementsDropped();
        collation = SERVER_DEFAULT_COLLATION;
        if (schemaChangedUnseen) {
            schemaKnown = false;
            schemaChangedUnseen = false;
        }
    }

    public void schema(String schema) {
        this.schemaKnown = true;
        this.schema = schema;
    }

    /** The collation id the connection's character set variables were last set from, or {@link #SERVER_DEFAULT_COLLATION}. */
    public int collation() {
        return collation;
    }

    public void collation(int collation) {
        this.collation = collation;
    }

    @Override
    public String toString() {
        return "backend " + address + " (server connection " + greeting.connectionId() + ")";
    }
}

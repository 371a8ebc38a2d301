package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.SessionSets;
import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.StatementFlag;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.route.Pin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The session state a client has set, which every backend serving it must share: the current
 * schema, the handshake collation, and the SET statements it ran (session variables, SET NAMES,
 * user variables given constants, SET SESSION TRANSACTION), kept in order as a replay log. Each
 * backend connection of the session remembers how far into the log it is ({@link #version()}), so
 * a change is applied to each at most once, and only when that backend next serves the session.
 *
 * <p>Replaying the text is exact because every backend applies the same statements in the same
 * order from the same starting point (a freshly reset connection). A statement repeated word for
 * word replaces its earlier copy, which keeps the log short for clients that re-send their SETs.
 * The log is bounded in statements and bytes: a SET beyond either is not recorded, and the caller
 * pins the session to its primary connection, where it ran ({@link io.mysqlproxy.core.route.Pin#SESSION_STATE_SIZE}).
 */
final class SessionState {

    /** Beyond this many distinct SET statements the session is pinned to the primary instead. */
    static final int MAX_REPLAYED = 64;

    /** Beyond this many bytes of SET text (session.max-replayed-set-bytes), likewise. */
    private final long maxBytes;

    private long bytes;
    /** Whether a SET did not fit: the log is no longer replayed (the session is pinned), so it stops growing. */
    private boolean full;

    /** {@code parsing}: the SET may change how statements parse (anything but user variables alone). */
    record Entry(long version, byte[] sql, boolean parsing) {}

    private final List<Entry> replay = new ArrayList<>();
    /** The log as a value, made when first asked for after a change; null until then. */
    private SessionSets sets;
    /** The entry that carries LAST_INSERT_ID() over to a new connection, or null. */
    private Entry lastInsertId;

    private long version;
    private String schema;
    private int collation;
    private int pins;
    /** Per pin (by ordinal), what set it: a statement kind or command, lower case. */
    private final String[] pinCauses = new String[Pin.values().length];

    private Consistency consistency;
    private final Consistency defaultConsistency;
    /**
     * Under transaction multiplexing, what LAST_INSERT_ID() returns for the session (from the OK packets'
     * last_insert_id), brought to each connection by {@link LegSync} instead of through the replay log.
     */
    private boolean tracksInsertId;

    private long insertId;

    SessionState(String schema, int collation, Consistency consistency, long maxBytes) {
        this.maxBytes = maxBytes;
        this.schema = schema;
        this.collation = collation;
        this.consistency = consistency;
        this.defaultConsistency = consistency;
    }

    String schema() {
        return schema;
    }

    void schema(String schema) {
        this.schema = schema;
    }

    /** The handshake collation id, or {@link BackendConnection#SERVER_DEFAULT_COLLATION} after a reset. */
    int collation() {
        return collation;
    }

    /** The newest log position; a backend at this version has every recorded SET. */
    long version() {
        return version;
    }

    /** Records a SET that succeeded; false if the log is full (the caller pins the session instead). */
    boolean record(byte[] sql) {
        return record(sql, true);
    }

    /**
     * As {@link #record(byte[])}; {@code parsing}: the SET may change how statements parse. One that does not
     * (user variables alone) is left out of {@link #sets()}, so that it does not keep statements prepared
     * under the rest of the log from being shared.
     */
    boolean record(byte[] sql, boolean parsing) {
        if (full) {
            return false;
        }
        sets = null;
        replay.removeIf(entry -> {
            if (!Arrays.equals(entry.sql(), sql)) {
                return false;
            }
            bytes -= entry.sql().length;
            return true;
        });
        return append(sql, parsing) != null;
    }

    /**
     * Records what LAST_INSERT_ID() returned on a connection the session is giving back, so that the
     * next one returns it too; it replaces the value recorded before. False if the log is full.
     */
    boolean lastInsertId(long id) {
        if (lastInsertId != null) {
            sets = null;
            replay.remove(lastInsertId);
            bytes -= lastInsertId.sql().length;
            lastInsertId = null;
        }
        if (id == 0) {
            return true;
        }
        lastInsertId =
                append(("SET last_insert_id = " + Long.toUnsignedString(id)).getBytes(StandardCharsets.US_ASCII), true);
        return lastInsertId != null;
    }

    /** Whether the session SET {@code c} may change how statements parse: anything but user variables alone. */
    static boolean mayChangeParsing(Classification c) {
        return !c.has(StatementFlag.USER_VARIABLE)
                || c.has(StatementFlag.SESSION_VARIABLE)
                || c.has(StatementFlag.CHARSET)
                || c.has(StatementFlag.GLOBAL_VARIABLE)
                || c.has(StatementFlag.AUTOCOMMIT_ON)
                || c.has(StatementFlag.AUTOCOMMIT_OFF);
    }

    /** Adds {@code sql} at the end of the log as its newest version; null if the log is full. */
    private Entry append(byte[] sql, boolean parsing) {
        if (full || replay.size() >= MAX_REPLAYED || bytes + sql.length > maxBytes) {
            full = true;
            return null;
        }
        Entry entry = new Entry(++version, sql, parsing);
        sets = null;
        replay.add(entry);
        bytes += sql.length;
        return entry;
    }

    boolean tracksInsertId() {
        return tracksInsertId;
    }

    void tracksInsertId(boolean tracks) {
        this.tracksInsertId = tracks;
    }

    long insertId() {
        return insertId;
    }

    void insertId(long insertId) {
        this.insertId = insertId;
    }

    /** The SET statements of the log, oldest first (what a connection at {@link #version()} has run). */
    List<Entry> entries() {
        return replay;
    }

    /**
     * The log as a value (what a connection in step has run, but the SETs that change no parse), for telling
     * whether a statement prepared on a connection means the same for this session; made once per change of
     * the log.
     */
    SessionSets sets() {
        if (sets == null) {
            List<byte[]> statements = new ArrayList<>(replay.size());
            for (Entry entry : replay) {
                if (entry.parsing()) {
                    statements.add(entry.sql());
                }
            }
            sets = SessionSets.of(statements);
        }
        return sets;
    }

    /** Bytes of SET text the log keeps. */
    long bytes() {
        return bytes;
    }

    /** The SET statements a backend at {@code applied} has not run yet, oldest first. */
    List<Entry> since(long applied) {
        if (applied >= version) {
            return List.of();
        }
        List<Entry> missing = new ArrayList<>();
        for (Entry entry : replay) {
            if (entry.version() > applied) {
                missing.add(entry);
            }
        }
        return missing;
    }

    int pins() {
        return pins;
    }

    /** Pins the session for {@code pin}; {@code cause} (the statement kind or command) is kept for the first setting. */
    void pin(Pin pin, String cause) {
        if ((pins & pin.bit()) == 0) {
            pinCauses[pin.ordinal()] = cause;
        }
        pins |= pin.bit();
    }

    /** What set {@code pin}, or null when it is not set. */
    String pinCause(Pin pin) {
        return (pins & pin.bit()) == 0 ? null : pinCauses[pin.ordinal()];
    }

    void unpin(Pin pin) {
        pins &= ~pin.bit();
    }

    Consistency consistency() {
        return consistency;
    }

    void consistency(Consistency consistency) {
        this.consistency = consistency;
    }

    /** COM_RESET_CONNECTION: variables back to the server defaults, pins and the log gone, the schema kept. */
    void reset() {
        replay.clear();
        sets = null;
        bytes = 0;
        full = false;
        lastInsertId = null;
        insertId = 0;
        collation = BackendConnection.SERVER_DEFAULT_COLLATION;
        pins = 0;
        consistency = defaultConsistency;
    }
}

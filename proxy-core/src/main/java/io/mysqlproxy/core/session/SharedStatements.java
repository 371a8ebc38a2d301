package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.PreparedStatementCache;
import io.mysqlproxy.core.backend.StatementKey;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.packet.ErrPacket;

import java.util.function.Supplier;

/**
 * Under transaction multiplexing, a session's side of its connections' prepared-statement caches ({@link
 * PreparedStatementCache}): a statement not yet on a leg is bound to the server statement the connection
 * keeps under an equal key ({@link #adopt}), one the session prepares is kept there for others ({@link
 * #prepared}), and the session closes only the server statements the cache does not keep ({@link
 * #letGo}). The key is the text, the connection's schema and collation, and the session's SET log: a leg
 * in step has run exactly that log, so equal keys mean the same parse. A session with a pin shares nothing,
 * as its connection may carry state the log does not tell (a SET the log had no room for). A statement that
 * ever opened a cursor or sent long data shares nothing either ({@link PreparedStatement#shareable()}): no
 * COM_STMT_RESET is then needed to keep one session's cursor or long data from another.
 */
final class SharedStatements {

    /** Off (no multiplexing, or backends.pool.prepared-statement-cache = 0): every statement is the session's own. */
    static final SharedStatements OFF = new SharedStatements(() -> null, 0);

    private final Supplier<SessionState> state;
    private final int capacity;

    SharedStatements(Supplier<SessionState> state, int capacity) {
        this.state = state;
        this.capacity = capacity;
    }

    /**
     * Binds {@code statement} on {@code leg} to the server statement its connection keeps for it, if any:
     * true when it did, and the statement needs no COM_STMT_PREPARE there.
     */
    boolean adopt(PreparedStatement statement, Leg leg) {
        return adopt(statement, leg, null);
    }

    /** As {@link #adopt(PreparedStatement, Leg)}, for an execution binding {@code types} (null: none known). */
    boolean adopt(PreparedStatement statement, Leg leg, byte[] types) {
        StatementKey key = key(statement, leg);
        if (key == null) {
            return false;
        }
        Integer id = cache(leg).claim(key, leg, types);
        if (id == null) {
            return false;
        }
        statement.preparedOn(leg, id);
        return true;
    }

    /** {@code statement} was just prepared on {@code leg} as server statement {@code id}: kept there if it may be. */
    void prepared(PreparedStatement statement, Leg leg, int id) {
        StatementKey key = key(statement, leg);
        if (key != null) {
            cache(leg).add(key, id, leg);
        }
    }

    /** An execution of {@code statement} on {@code leg} bound {@code types} (the cache keeps them, see there). */
    void executed(PreparedStatement statement, Leg leg, byte[] types) {
        Integer id = statement.backendId(leg);
        if (capacity > 0 && id != null) {
            cache(leg).executed(id, types);
        }
    }

    /** The session binds its server statement {@code id} on its own connection, back as it left it, again. */
    void rebound(Leg leg, int id) {
        if (capacity > 0) {
            cache(leg).reclaim(id, leg);
        }
    }

    /**
     * The session stops using server statement {@code id} of {@code statement} on {@code leg} (the client
     * closed it, or the leg goes back): true when the connection keeps it for others, so the session must
     * not close it; false when it is the session's to close (never cached, or taken out of the cache now
     * because the statement is no longer {@link PreparedStatement#shareable() shareable}).
     */
    boolean letGo(PreparedStatement statement, Leg leg, int id) {
        if (capacity == 0) {
            return false;
        }
        PreparedStatementCache cache = cache(leg);
        if (!cache.contains(id)) {
            return false;
        }
        if (!statement.shareable()) {
            cache.withdraw(id);
            return false;
        }
        cache.release(id, leg);
        return true;
    }

    /**
     * The server refused a prepare on {@code leg} with {@code refusal}: if for its limit on statements across
     * all connections (error 1461, max_prepared_stmt_count), closes the ones {@code leg}'s connection keeps
     * that the session has not bound. True when it closed any, so that one more prepare may succeed.
     */
    boolean madeRoom(ErrPacket refusal, Leg leg) {
        return capacity > 0
                && refusal.errorCode() == ProxyErrors.ER_MAX_PREPARED_STMT_COUNT_REACHED
                && cache(leg).closeAllNotClaimedBy(leg) > 0;
    }

    /** Whether server statement {@code id} on {@code leg}'s connection is its cache's, not the session's to close. */
    boolean kept(Leg leg, int id) {
        return capacity > 0 && cache(leg).contains(id);
    }

    /** The key {@code statement} would be shared under on {@code leg} now; null when it may not be shared. */
    private StatementKey key(PreparedStatement statement, Leg leg) {
        if (capacity == 0 || !statement.shareable() || statement.sql().length > PreparedStatementCache.MAX_SQL_BYTES) {
            return null;
        }
        SessionState session = state.get();
        if (session.pins() != 0 || !LegSync.inStep(session, leg)) {
            return null;
        }
        return leg.connection().statementKey(statement.sql(), statement.sqlHash(), session.sets());
    }

    private PreparedStatementCache cache(Leg leg) {
        return leg.connection().statementCache(capacity);
    }
}

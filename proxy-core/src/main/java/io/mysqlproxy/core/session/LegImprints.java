package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.ConnectionImprint;
import io.mysqlproxy.core.pool.IdlePreference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Transaction multiplexing's bookkeeping for one session: the imprint a connection takes when the
 * session gives it back without a reset ({@link #leaving}), which idle connection the session would
 * rather borrow ({@link #rank}), and what a borrowed connection's imprint means for it ({@link
 * #arriving}): its own connection back is in step as it left it, prepared statements included;
 * another session's is taken up where that session's SET log is a prefix of this one's (its leftover
 * prepared statements closed, COM_STMT_CLOSE has no answer, but for those the connection's cache keeps for
 * any session that prepares the same, {@link SharedStatements}); anything else is reset first ({@link
 * LegSync}, which empties that cache too). Schema, collation and LAST_INSERT_ID() differ at no cost:
 * {@link LegSync} brings them (the whole log replayed after another collation, which would otherwise undo
 * the prefix's SET NAMES).
 */
final class LegImprints implements IdlePreference {

    /** Rank of the connection this session gave back (in step), of one it can bring in step, of one to reset. */
    static final int OWN = 0;

    static final int IN_STEP_REACH = 1;
    static final int RESET = 2;

    /** What only the owner reads back: how far into its SET log the connection was, and its statements' ids. */
    private record OwnNotes(long appliedVersion, Map<PreparedStatement, Integer> statementIds) {}

    /** The token the session's imprints carry; compared by identity only. */
    private Object owner = new Object();

    private final Supplier<SessionState> state;
    private final PreparedStatements statements;

    LegImprints(Supplier<SessionState> state, PreparedStatements statements) {
        this.state = state;
        this.statements = statements;
    }

    /**
     * The session starts over (COM_RESET_CONNECTION, COM_CHANGE_USER) with a new SET log: what its
     * connections carry from before is another session's state from now on.
     */
    void startOver() {
        owner = new Object();
    }

    @Override
    public int rank(BackendConnection connection) {
        ConnectionImprint imprint = connection.imprint();
        if (imprint == null) {
            return IN_STEP_REACH;
        }
        if (imprint.owner() == owner) {
            return OWN;
        }
        return prefixVersion(imprint.sets()) >= 0 ? IN_STEP_REACH : RESET;
    }

    /**
     * What {@code leg}'s connection carries as it goes back to its pool without a reset (before it is
     * dropped); null (the pool resets it) unless it has the whole log: behind it, the log's order may no
     * longer be the order it ran the SETs in (a repeated SET moves to the end).
     */
    ConnectionImprint leaving(Leg leg) {
        if (leg.appliedVersion() < state.get().version()) {
            return null;
        }
        List<byte[]> sets = new ArrayList<>();
        for (SessionState.Entry entry : state.get().entries()) {
            sets.add(entry.sql());
        }
        Map<PreparedStatement, Integer> ids = new IdentityHashMap<>();
        List<Integer> own = new ArrayList<>();
        for (PreparedStatement statement : statements.all()) {
            Integer id = statement.backendId(leg);
            if (id != null) {
                ids.put(statement, id);
                if (!statements.sharing().letGo(statement, leg, id)) {
                    own.add(id);
                }
            }
        }
        int[] preparedIds = own.stream().mapToInt(Integer::intValue).toArray();
        return new ConnectionImprint(owner, sets, leg.insertId(), preparedIds, new OwnNotes(leg.appliedVersion(), ids));
    }

    /** A connection just became {@code leg}: what its imprint says the session has to do with it. */
    void arriving(Leg leg) {
        BackendConnection connection = leg.connection();
        ConnectionImprint imprint = connection.imprint();
        connection.imprint(null);
        if (imprint == null) {
            return; // fresh or reset: at the start of the SET log, LAST_INSERT_ID() 0
        }
        leg.insertId(imprint.lastInsertId());
        if (imprint.owner() == owner && imprint.ownerState() instanceof OwnNotes notes) {
            leg.appliedVersion(notes.appliedVersion());
            List<Integer> gone = new ArrayList<>();
            notes.statementIds().forEach((statement, id) -> {
                if (statements.get(statement.clientId()) == statement) {
                    statement.preparedOn(leg, id);
                    statements.sharing().rebound(leg, id);
                } else if (!statements.sharing().kept(leg, id)) {
                    gone.add(id);
                }
            });
            close(leg, gone.stream().mapToInt(Integer::intValue).toArray());
            return;
        }
        long version = prefixVersion(imprint.sets());
        if (version < 0) {
            leg.needsReset(true);
            return;
        }
        // LegSync sets the handshake collation before it replays the log: on a connection whose collation is
        // another's, that would undo a SET NAMES of the prefix, so the whole log is replayed after it.
        leg.appliedVersion(connection.collation() == state.get().collation() ? version : 0);
        close(leg, imprint.preparedIds());
    }

    /**
     * The version of this session's log that {@code sets} brings a connection to, when {@code sets} is a
     * prefix of the log (0: empty); -1 when it is not (the connection ran SETs this session has not).
     */
    private long prefixVersion(List<byte[]> sets) {
        List<SessionState.Entry> log = state.get().entries();
        if (sets.size() > log.size()) {
            return -1;
        }
        for (int i = 0; i < sets.size(); i++) {
            if (!Arrays.equals(sets.get(i), log.get(i).sql())) {
                return -1;
            }
        }
        return sets.isEmpty() ? 0 : log.get(sets.size() - 1).version();
    }

    /**
     * Closes prepared statements left on {@code leg}'s connection that no statement of this session uses and
     * its cache does not keep.
     */
    private static void close(Leg leg, int[] ids) {
        for (int id : ids) {
            StatementClose.send(leg, id);
        }
    }
}

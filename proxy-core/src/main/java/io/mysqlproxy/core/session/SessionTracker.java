package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.SqlOperands;
import io.mysqlproxy.core.classify.StatementFlag;
import io.mysqlproxy.core.classify.StatementKind;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.route.Pin;
import io.mysqlproxy.core.route.RouteContext;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.flag.ServerStatus;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What the session's finished commands have changed that later commands depend on: the leg with
 * the open transaction, autocommit (as the primary reports it), the schema, the SET log and the
 * pins ({@link SessionState}), whether the session wrote since its reads last caught up
 * ({@link ReadYourWrites}), and its wait_timeout ({@link WaitTimeout}). This is also what the
 * router sees of the session.
 */
final class SessionTracker implements RouteContext {

    private final SessionLegs legs;
    private final ReadYourWrites readYourWrites;
    private final WaitTimeout waitTimeout;
    private SessionState state;
    private boolean autocommit;
    /**
     * What the primary connection holds that the proxy cannot see or carry over, short of a pin: a
     * SET TRANSACTION waiting for the next transaction, or anything a stored procedure may have left
     * (temporary tables, user variables, locks). Such a connection is not given back when idle.
     */
    private boolean primaryHoldsUnseenState;

    private boolean nextTransactionSet;

    private final HoldCauses causes = new HoldCauses();

    /** Transaction multiplexing: per-statement results are followed, LAST_INSERT_ID() from the OKs. */
    private boolean multiplexing;

    private final StatementResults results = new StatementResults();

    SessionTracker(
            SessionLegs legs,
            ReadYourWrites readYourWrites,
            WaitTimeout waitTimeout,
            SessionState state,
            int loginStatus) {
        this.legs = legs;
        this.readYourWrites = readYourWrites;
        this.waitTimeout = waitTimeout;
        this.state = state;
        loggedIn(loginStatus, "login");
    }

    /** Autocommit as the login's OK reports it: the server's default or init_connect may have turned it off. */
    private void loggedIn(int loginStatus, String cause) {
        autocommit = ServerStatus.AUTOCOMMIT.isSet(loginStatus);
        if (!autocommit) {
            causes.autocommitOffBy(cause);
        }
    }

    @Override
    public boolean inTransaction() {
        return legs.transactionLeg() != null;
    }

    @Override
    public boolean autocommit() {
        return autocommit;
    }

    @Override
    public int pins() {
        return state.pins();
    }

    @Override
    public Consistency consistency() {
        return state.consistency();
    }

    @Override
    public boolean hasWritten() {
        return readYourWrites.hasWritten();
    }

    SessionState state() {
        return state;
    }

    /** The session gives its connections back at every transaction boundary (see {@link StatementResults}). */
    void multiplex() {
        multiplexing = true;
        state.tracksInsertId(true);
    }

    StatementResults results() {
        return results;
    }

    ReadYourWrites readYourWrites() {
        return readYourWrites;
    }

    WaitTimeout waitTimeout() {
        return waitTimeout;
    }

    /** The status flags of an OK the proxy answers itself. */
    int status() {
        return (autocommit ? ServerStatus.AUTOCOMMIT.mask() : 0) | (inTransaction() ? ServerStatus.IN_TRANS.mask() : 0);
    }

    /** Whether losing {@code leg} loses what the client set: its open transaction, or what pins it to the primary. */
    boolean holdsState(Leg leg) {
        return leg == legs.transactionLeg() || (leg == legs.primary() && state.pins() != 0);
    }

    /**
     * Whether the session's legs may go back to their pools while it is idle: nothing that lives only
     * in a connection (an open transaction, autocommit off, a pin) would be lost. What statements
     * keep on a leg (cursors, long data) is checked per leg.
     */
    boolean mayReturnLegs() {
        return !inTransaction()
                && autocommit
                && state.pins() == 0
                && !primaryHoldsUnseenState
                && !nextTransactionSet
                && results.holdsNothing();
    }

    /** COM_RESET_CONNECTION: the server defaults again, autocommit on, nothing written. */
    void reset() {
        state.reset();
        forgetCommands();
        waitTimeout.reset();
        autocommit = true;
    }

    /** COM_CHANGE_USER: the new user's session starts from {@code fresh}, on a new primary connection. */
    void startOver(SessionState fresh, int loginStatus) {
        forgetCommands();
        waitTimeout.reset();
        state = fresh;
        state.tracksInsertId(multiplexing);
        loggedIn(loginStatus, "change_user");
    }

    /**
     * What keeps the session on its connections now, as a set of {@link HoldReason#bit()}s; 0 when they may go
     * back. What prepared statements keep on a leg (cursors, long data) is not among them. Allocates nothing.
     */
    long holdBits() {
        long bits = results.holdBits();
        bits |= inTransaction() ? HoldReason.TRANSACTION.bit() : 0;
        bits |= autocommit ? 0 : HoldReason.AUTOCOMMIT_OFF.bit();
        for (int pins = state.pins(); pins != 0; pins &= pins - 1) {
            bits |= HoldReason.of(Pin.first(pins)).bit();
        }
        bits |= nextTransactionSet ? HoldReason.NEXT_TRANSACTION_SETTINGS.bit() : 0;
        return bits | (primaryHoldsUnseenState ? HoldReason.PROCEDURE_STATE.bit() : 0);
    }

    /** The statement kind (or login) that caused {@code reason}, which the session holds now. */
    String holdCause(HoldReason reason) {
        return causes.of(reason, state, results);
    }

    /** The statement kind of {@code cmd}, or its command when it has no statement; lower case. */
    private static String cause(Command cmd) {
        Classification c = cmd.classification();
        return c != null ? cause(c) : cmd.type().name().toLowerCase(Locale.ROOT);
    }

    private static String cause(Classification c) {
        return c.kind().name().toLowerCase(Locale.ROOT);
    }

    private void forgetCommands() {
        readYourWrites.reset();
        legs.startOver();
        primaryHoldsUnseenState = false;
        nextTransactionSet = false;
        results.reset();
        causes.clear();
    }

    /** What a finished command changes in the session: transaction, schema, SETs, pins, pending writes. */
    void afterCommand(Command cmd, Leg leg, int status, boolean failed) {
        boolean wasInTransaction = inTransaction();
        legs.ran(leg, status);
        boolean onPrimary = leg.backend().role() == BackendRole.PRIMARY;
        Classification c = cmd.classification();
        if (!wasInTransaction && inTransaction()) {
            causes.transactionOpenedBy(cause(cmd));
        }
        if (multiplexing) {
            multiplexed(cmd, leg, c, failed);
        }
        if (onPrimary) {
            boolean wasAutocommit = autocommit;
            autocommit = ServerStatus.AUTOCOMMIT.isSet(status);
            if (wasAutocommit && !autocommit) {
                causes.autocommitOffBy(cause(cmd));
            }
        }
        if (cmd.type() == CommandType.INIT_DB) {
            if (!failed) {
                String schema = new String(cmd.sql(), StandardCharsets.UTF_8);
                state.schema(schema);
                leg.connection().schema(schema);
            }
            return;
        }
        if (c == null) {
            return;
        }
        if (onPrimary) {
            noteUnseenState(c, cause(cmd));
        }
        if (onPrimary && mayWrite(c)) {
            readYourWrites.wrote(leg);
            leg.wrote(true);
        } else if (onPrimary && c.has(StatementFlag.SESSION_FUNCTION)) {
            // SELECT LAST_INSERT_ID(42) sets what LAST_INSERT_ID() returns next, without writing.
            leg.wrote(true);
        }
        if (cmd.type() == CommandType.STMT_RESET) {
            cmd.statement().cursorOpen(false);
            return;
        }
        if (cmd.type() == CommandType.STMT_EXECUTE) {
            cmd.statement().cursorOpen(!failed && ServerStatus.CURSOR_EXISTS.isSet(status));
            pinFor(c, cmd.statement().sql());
            // A prepared SET or USE has parameters the proxy does not keep: it is not replayed elsewhere.
            if (!failed
                    && (c.kind() == StatementKind.SESSION_SET
                            || c.kind() == StatementKind.USE
                            || c.kind() == StatementKind.SET_TRANSACTION)) {
                state.pin(Pin.PREPARED_SESSION_STATE, "stmt_execute");
                if (c.kind() == StatementKind.USE) {
                    leg.connection().schemaChangedUnseen();
                }
            }
            return;
        }
        if (cmd.type() != CommandType.QUERY) {
            return;
        }
        pinFor(c, cmd.sql());
        if (c.kind() == StatementKind.MULTI && c.has(StatementFlag.MULTI_SESSION_STATE)) {
            // A USE among the parts is not followed: the pool must not trust the schema it knows.
            leg.connection().schemaChangedUnseen();
        }
        if (failed) {
            return;
        }
        switch (c.kind()) {
            case USE -> {
                String schema = SqlOperands.useSchema(cmd.sql());
                if (schema != null) {
                    state.schema(schema);
                    leg.connection().schema(schema);
                } else {
                    state.pin(Pin.MULTI_STATEMENT, "use");
                    leg.connection().schemaChangedUnseen();
                }
            }
            case SET_TRANSACTION -> {
                if (c.has(StatementFlag.SESSION_VARIABLE)) {
                    record(leg, cmd.sql(), true);
                }
            }
            case SESSION_SET -> {
                if (c.has(StatementFlag.SESSION_VARIABLE)) {
                    waitTimeout.setSucceeded(cmd.sql());
                }
                if (c.has(StatementFlag.GLOBAL_VARIABLE)
                        && !c.has(StatementFlag.SESSION_VARIABLE)
                        && !c.has(StatementFlag.USER_VARIABLE)
                        && !c.has(StatementFlag.CHARSET)) {
                    return;
                }
                if (c.has(StatementFlag.USER_VARIABLE) && !SqlOperands.userVariablesGetConstants(cmd.sql())) {
                    state.pin(Pin.USER_VARIABLE, cause(c));
                } else {
                    record(leg, cmd.sql(), SessionState.mayChangeParsing(c));
                }
            }
            // A SET with a global assignment is a write, but a session wait_timeout among its assignments counts.
            case WRITE -> {
                if (c.has(StatementFlag.GLOBAL_VARIABLE) && c.has(StatementFlag.SESSION_VARIABLE)) {
                    waitTimeout.setSucceeded(cmd.sql());
                }
            }
            default -> {}
        }
    }

    /** What transaction multiplexing follows of a finished command: its per-statement results, LAST_INSERT_ID(). */
    private void multiplexed(Command cmd, Leg leg, Classification c, boolean failed) {
        byte[] sql = cmd.type() == CommandType.STMT_EXECUTE ? cmd.statement().sql() : cmd.sql();
        results.after(c, cmd.type(), cause(cmd), leg.connection(), failed);
        long id = leg.connection().lastInsertId();
        if (id != 0) {
            // An OK's non-zero last_insert_id is what LAST_INSERT_ID() returns next (see README, Multiplexing).
            leg.insertId(id);
            state.insertId(id);
        } else if (c != null
                && c.has(StatementFlag.SESSION_FUNCTION)
                && sql != null
                && SqlOperands.setsLastInsertId(sql)) {
            leg.insertIdUnknown(true);
        }
    }

    /** Adds a SET that ran on {@code leg} to the replay log (which {@code leg} then has already). */
    private void record(Leg leg, byte[] sql, boolean parsing) {
        if (!state.record(sql, parsing)) {
            state.pin(Pin.SESSION_STATE_SIZE, "session_set");
        } else if (leg.appliedVersion() == state.version() - 1) {
            leg.appliedVersion(state.version());
        }
    }

    /**
     * A one-shot SET TRANSACTION is for the next transaction on the connection it ran on: it is not
     * replayed elsewhere, and that connection stays until a statement other than a SET has run.
     * A CALL may leave state behind that the proxy cannot see.
     */
    private void noteUnseenState(Classification c, String cause) {
        switch (c.kind()) {
            case SET_TRANSACTION -> nextTransactionSet |= !c.has(StatementFlag.SESSION_VARIABLE);
            case SESSION_SET, SET_AUTOCOMMIT, USE, EMPTY -> {}
            case CALL -> {
                if (!primaryHoldsUnseenState) {
                    causes.unseenStateLeftBy(cause);
                }
                primaryHoldsUnseenState = true;
                nextTransactionSet = false;
            }
            default -> nextTransactionSet = false;
        }
    }

    private void pinFor(Classification c, byte[] sql) {
        switch (c.kind()) {
            case LOCK_TABLES -> state.pin(Pin.LOCK_TABLES, cause(c));
            case UNLOCK_TABLES -> {
                state.unpin(Pin.LOCK_TABLES);
                state.unpin(Pin.GLOBAL_READ_LOCK);
            }
            case FLUSH_TABLES_WITH_READ_LOCK -> state.pin(Pin.GLOBAL_READ_LOCK, cause(c));
            case CREATE_TEMPORARY_TABLE -> state.pin(Pin.TEMPORARY_TABLE, cause(c));
            case PREPARE_SQL, EXECUTE_SQL -> state.pin(Pin.SQL_PREPARE, cause(c));
            case MULTI -> {
                if (c.has(StatementFlag.MULTI_SESSION_STATE)) {
                    state.pin(Pin.MULTI_STATEMENT, cause(c));
                }
            }
            default -> {}
        }
        if (c.has(StatementFlag.LOCK_FUNCTION)) {
            state.pin(Pin.NAMED_LOCK, cause(c));
        }
        if (c.has(StatementFlag.USER_VARIABLE_ASSIGNMENT) || c.has(StatementFlag.SELECT_INTO)) {
            state.pin(Pin.USER_VARIABLE, cause(c));
        }
        // CALL p(@out) and GET DIAGNOSTICS @n = NUMBER set user variables on the server that ran them.
        if ((c.kind() == StatementKind.CALL || c.has(StatementFlag.DIAGNOSTICS))
                && sql != null
                && SqlOperands.mentionsUserVariable(sql)) {
            state.pin(Pin.USER_VARIABLE, cause(c));
        }
    }

    /** Whether a statement that ran on the primary may have written (so reads must see it). */
    private static boolean mayWrite(Classification c) {
        return switch (c.kind()) {
            case READ, SESSION_SET, USE, SET_TRANSACTION, SET_AUTOCOMMIT, EMPTY ->
                c.has(StatementFlag.SEQUENCE_FUNCTION);
            default -> true;
        };
    }
}

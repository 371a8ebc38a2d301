package io.mysqlproxy.core.route;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.RouteHint;
import io.mysqlproxy.core.classify.StatementFlag;
import io.mysqlproxy.core.classify.StatementKind;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.protocol.flag.CommandType;

import java.util.List;

/**
 * Decides where every client command goes, from its classification and the session's state. For a
 * statement it asks small policies in order; the first that decides wins. The order is the priority:
 * an open transaction beats everything, then autocommit off, transaction starts, pins, hints, what
 * the statement itself needs, and the session's consistency; what is left is a plain read for a
 * replica, which waits for the session's own writes under session consistency, and for the primary's
 * position under global consistency. Commands without
 * text (COM_INIT_DB, a prepared statement's fetch...) and the fallbacks when a replica cannot serve
 * are decided here too, so that EXPLAIN ROUTE, the routing-reason metrics and the statement table
 * see all of routing. Pure and allocation-free, so EXPLAIN ROUTE can ask the same question without
 * running anything.
 */
public final class Router {

    private static final int PREVIOUS_STATEMENT_FLAGS =
            StatementFlag.DIAGNOSTICS.bit() | StatementFlag.PREVIOUS_RESULT_FUNCTION.bit();
    /** Flags a route=replica hint cannot override: the statement would give a wrong answer there. */
    private static final int HINT_PROOF_FLAGS = StatementFlag.PRIMARY_REQUIRED_MASK & ~StatementFlag.LOCKING_READ.bit();

    private static final RouteDecision IN_TRANSACTION =
            RouteDecision.of(RouteTarget.TRANSACTION, RouteReason.TRANSACTION);
    private static final RouteDecision PRIMARY_AWAY = RouteDecision.of(RouteTarget.REPLICA, RouteReason.PRIMARY_AWAY);
    private static final RouteDecision STATEMENT_STATE =
            RouteDecision.of(RouteTarget.STATEMENT, RouteReason.PREPARED_STATEMENT_STATE);

    private final List<RoutePolicy> policies;

    /** @param readOnlyTransactionsOnReplica whether START TRANSACTION READ ONLY may run on a replica */
    public Router(boolean readOnlyTransactionsOnReplica) {
        this.policies = List.of(
                Router::openTransaction,
                Router::autocommitOff,
                (statement, session) -> transactionStart(statement, session, readOnlyTransactionsOnReplica),
                Router::pinned,
                Router::hint,
                Router::byStatement,
                Router::byConsistency);
    }

    /** Where a COM_QUERY of {@code statement} goes. */
    public RouteDecision route(Classification statement, RouteContext session) {
        return readYourWrites(decide(statement, session), session);
    }

    /**
     * Where a client command goes. {@code statement} is the classification of its text (a query's, or
     * the prepared statement's for COM_STMT_*), null for commands without one; {@code statementState}
     * tells whether the prepared statement's open cursor or long data lives on one of the session's
     * backends, which the command must then follow.
     */
    public RouteDecision route(
            CommandType command, Classification statement, boolean statementState, RouteContext session) {
        return switch (command) {
            case QUERY -> route(statement, session);
            case STMT_EXECUTE, STMT_FETCH, STMT_RESET -> statementState ? STATEMENT_STATE : route(statement, session);
            // Long data is no read: it never waits for the session's writes.
            case STMT_SEND_LONG_DATA -> statementState ? STATEMENT_STATE : decide(statement, session);
            // A prepared statement is kept for later executions, which cannot follow a previous statement.
            case STMT_PREPARE -> {
                RouteDecision decision = decide(statement, session);
                yield decision.target() == RouteTarget.PREVIOUS
                        ? RouteDecision.primary(RouteReason.PREVIOUS_STATEMENT)
                        : decision;
            }
            case INIT_DB -> session.inTransaction() ? IN_TRANSACTION : RouteDecision.primary(RouteReason.SESSION_STATE);
            case RESET_CONNECTION -> RouteDecision.primary(RouteReason.SESSION_STATE);
            default -> session.inTransaction() ? IN_TRANSACTION : RouteDecision.primary(RouteReason.COMMAND);
        };
    }

    /**
     * Where a read goes when the balancer found no replica for {@code decision}: to the primary when some
     * replica is usable but none has the session's writes, or when reads may fall back to the primary;
     * null when the read must fail.
     */
    public RouteDecision noReplica(RouteDecision decision, boolean anyReplicaUsable, boolean fallBackToPrimary) {
        if (waitsForPosition(decision) && anyReplicaUsable) {
            return RouteDecision.primary(RouteReason.CONSISTENCY_FALLBACK);
        }
        return fallBackToPrimary ? RouteDecision.primary(RouteReason.NO_REPLICA) : null;
    }

    /** A replica could not serve a read (unreachable, refused the session's state, lost before the read went out). */
    public RouteDecision replicaUnavailable() {
        return RouteDecision.primary(RouteReason.NO_REPLICA);
    }

    /**
     * Where a command the router sent to the primary goes while the primary is away, instead of waiting for it:
     * a session SET that the proxy replays on every backend, and the preparing of a statement (which runs
     * nothing; an execution prepares it again where it runs), go to a replica, so that a driver's connection
     * set-up and a reconnecting client's prepares complete during a primary restart. Null: the command waits.
     */
    public RouteDecision primaryAway(CommandType command, Classification statement, RouteContext session) {
        if (statement == null || session.inTransaction() || session.pins() != 0) {
            return null;
        }
        if (command == CommandType.STMT_PREPARE) {
            return PRIMARY_AWAY;
        }
        if (command != CommandType.QUERY) {
            return null;
        }
        boolean replayedSet = statement.kind() == StatementKind.SESSION_SET
                && !statement.has(StatementFlag.USER_VARIABLE)
                && !statement.has(StatementFlag.GLOBAL_VARIABLE);
        boolean autocommitStaysOn = statement.kind() == StatementKind.SET_AUTOCOMMIT
                && statement.has(StatementFlag.AUTOCOMMIT_ON)
                && session.autocommit();
        return replayedSet || autocommitStaysOn ? PRIMARY_AWAY : null;
    }

    /** Whether a read so decided must first find its replica at a GTID position (the session's, or the primary's). */
    public static boolean waitsForPosition(RouteDecision decision) {
        return decision.reason() == RouteReason.READ_YOUR_WRITES || decision.reason() == RouteReason.CONSISTENCY_GLOBAL;
    }

    /** The replica had not applied the session's writes (or the primary's position) within the wait. */
    public RouteDecision consistencyNotReached() {
        return RouteDecision.primary(RouteReason.CONSISTENCY_FALLBACK);
    }

    private RouteDecision decide(Classification statement, RouteContext session) {
        for (RoutePolicy policy : policies) {
            RouteDecision decision = policy.decide(statement, session);
            if (decision != null) {
                return decision;
            }
        }
        return RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ);
    }

    /**
     * Under session consistency, a plain read after the session wrote must find a replica that has the write;
     * under global consistency, every plain read must find one that has what the primary had when it arrived.
     */
    private static RouteDecision readYourWrites(RouteDecision decision, RouteContext session) {
        if (decision.reason() != RouteReason.READ) {
            return decision;
        }
        return switch (session.consistency()) {
            case SESSION ->
                session.hasWritten() ? RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ_YOUR_WRITES) : decision;
            case GLOBAL -> RouteDecision.of(RouteTarget.REPLICA, RouteReason.CONSISTENCY_GLOBAL);
            case EVENTUAL, STRONG -> decision;
        };
    }

    private static RouteDecision openTransaction(Classification statement, RouteContext session) {
        return session.inTransaction() ? IN_TRANSACTION : null;
    }

    private static RouteDecision autocommitOff(Classification statement, RouteContext session) {
        return session.autocommit() ? null : RouteDecision.primary(RouteReason.AUTOCOMMIT_OFF);
    }

    private static RouteDecision transactionStart(
            Classification statement, RouteContext session, boolean readOnlyOnReplica) {
        return switch (statement.kind()) {
            case TRANSACTION_BEGIN_READ_ONLY ->
                readOnlyOnReplica
                                && session.pins() == 0
                                && session.consistency() != Consistency.STRONG
                                && statement.hint() != RouteHint.PRIMARY
                        ? readOnlyTransaction(session)
                        : RouteDecision.primary(RouteReason.TRANSACTION);
            case TRANSACTION_BEGIN, TRANSACTION_END, SAVEPOINT, XA -> RouteDecision.primary(RouteReason.TRANSACTION);
            default -> null;
        };
    }

    /**
     * A read-only transaction a replica may hold: its statements follow it there unchecked, with no position
     * wait, so it stays on the primary when the consistency in force asks a replica for a position (global
     * always, session after the session wrote).
     */
    private static RouteDecision readOnlyTransaction(RouteContext session) {
        return switch (session.consistency()) {
            case GLOBAL -> RouteDecision.primary(RouteReason.READ_ONLY_TRANSACTION_CONSISTENCY);
            case SESSION ->
                session.hasWritten()
                        ? RouteDecision.primary(RouteReason.READ_ONLY_TRANSACTION_CONSISTENCY)
                        : RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ_ONLY_TRANSACTION);
            case EVENTUAL, STRONG -> RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ_ONLY_TRANSACTION);
        };
    }

    private static RouteDecision pinned(Classification statement, RouteContext session) {
        Pin pin = Pin.first(session.pins());
        return pin == null ? null : RouteDecision.primary(pin.reason());
    }

    private static RouteDecision hint(Classification statement, RouteContext session) {
        return switch (statement.hint()) {
            case PRIMARY -> RouteDecision.primary(RouteReason.HINT_PRIMARY);
            case REPLICA ->
                statement.kind() == StatementKind.READ && (statement.flags() & HINT_PROOF_FLAGS) == 0
                        ? RouteDecision.of(RouteTarget.REPLICA, RouteReason.HINT_REPLICA)
                        : null;
            case NONE -> null;
        };
    }

    private static RouteDecision byStatement(Classification statement, RouteContext session) {
        if ((statement.flags() & PREVIOUS_STATEMENT_FLAGS) != 0
                && statement.kind() == StatementKind.READ
                && (statement.flags() & StatementFlag.PRIMARY_REQUIRED_MASK & ~PREVIOUS_STATEMENT_FLAGS) == 0) {
            return RouteDecision.of(RouteTarget.PREVIOUS, RouteReason.PREVIOUS_STATEMENT);
        }
        return switch (statement.kind()) {
            case READ ->
                statement.isPrimaryRequired() ? RouteDecision.primary(RouteReason.PRIMARY_REQUIRED_READ) : null;
            case MULTI ->
                statement.isReplicaSafe()
                        ? null
                        : RouteDecision.primary(
                                statement.has(StatementFlag.MULTI_SESSION_STATE)
                                        ? RouteReason.SESSION_STATE
                                        : RouteReason.WRITE);
            // The session answers KILL of a numeric id itself; the other forms are admin statements.
            case WRITE, KILL -> RouteDecision.primary(RouteReason.WRITE);
            case DDL, CREATE_TEMPORARY_TABLE, DROP_TEMPORARY_TABLE -> RouteDecision.primary(RouteReason.DDL);
            case CALL -> RouteDecision.primary(RouteReason.CALL);
            // The session answers these itself (only EXPLAIN ROUTE asks): a server would not know the admin
            // statements, and would list its threads for SHOW PROCESSLIST.
            case UNKNOWN, EMPTY, PROXY_ADMIN, SHOW_PROCESSLIST -> RouteDecision.primary(RouteReason.UNKNOWN_STATEMENT);
            default -> RouteDecision.primary(RouteReason.SESSION_STATE);
        };
    }

    private static RouteDecision byConsistency(Classification statement, RouteContext session) {
        return session.consistency() == Consistency.STRONG
                ? RouteDecision.primary(RouteReason.CONSISTENCY_STRONG)
                : null;
    }
}

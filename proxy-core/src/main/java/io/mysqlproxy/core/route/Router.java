package io.mysqlproxy.core.route;

import io.mysqlproxy.core.config.Consistency;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.StatementFlag;
import io.mysqlproxy.core.classify.StatementKind;

import java.util.List;

/**
 * Decides where a statement goes, from its classification and the session's state, by asking
 * small policies in order; the first that decides wins. The order is the priority: an open
 * transaction beats everything, then autocommit off, transaction starts, pins, hints, what the
 * statement itself needs, and the session's consistency; what is left is a plain read for a
 * replica. Pure and allocation-free, so EXPLAIN ROUTE can ask the same question without running
 * anything.
 */
public final class Router {

    private static final int PREVIOUS_STATEMENT_FLAGS =
            StatementFlag.DIAGNOSTICS.bit() | StatementFlag.PREVIOUS_RESULT_FUNCTION.bit();
    /** Flags a route=replica hint cannot override: the statement would give a wrong answer there. */
    private static final int HINT_PROOF_FLAGS = StatementFlag.PRIMARY_REQUIRED_MASK & ~StatementFlag.LOCKING_READ.bit();

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

    public RouteDecision route(Classification statement, RouteContext session) {
        for (RoutePolicy policy : policies) {
            RouteDecision decision = policy.decide(statement, session);
            if (decision != null) {
                return decision;
            }
        }
        return RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ);
    }

    /** Where a command other than a query goes when the statement text does not decide (COM_STATISTICS...). */
    public RouteDecision routeCommand(RouteContext session) {
        return session.inTransaction() ? RouteDecision.of(RouteTarget.TRANSACTION, RouteReason.TRANSACTION)
                : RouteDecision.primary(RouteReason.COMMAND);
    }

    private static RouteDecision openTransaction(Classification statement, RouteContext session) {
        return session.inTransaction() ? RouteDecision.of(RouteTarget.TRANSACTION, RouteReason.TRANSACTION) : null;
    }

    private static RouteDecision autocommitOff(Classification statement, RouteContext session) {
        return session.autocommit() ? null : RouteDecision.primary(RouteReason.AUTOCOMMIT_OFF);
    }

    private static RouteDecision transactionStart(Classification statement, RouteContext session,
                                                  boolean readOnlyOnReplica) {
        return switch (statement.kind()) {
            case TRANSACTION_BEGIN_READ_ONLY -> readOnlyOnReplica && session.pins() == 0
                    && session.consistency() != Consistency.STRONG && statement.hint() != io.mysqlproxy.core.classify.RouteHint.PRIMARY
                    ? RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ_ONLY_TRANSACTION)
                    : RouteDecision.primary(RouteReason.TRANSACTION);
            case TRANSACTION_BEGIN, TRANSACTION_END, SAVEPOINT, XA -> RouteDecision.primary(RouteReason.TRANSACTION);
            default -> null;
        };
    }

    private static RouteDecision pinned(Classification statement, RouteContext session) {
        Pin pin = Pin.first(session.pins());
        return pin == null ? null : RouteDecision.primary(pin.reason());
    }

    private static RouteDecision hint(Classification statement, RouteContext session) {
        return switch (statement.hint()) {
            case PRIMARY -> RouteDecision.primary(RouteReason.HINT_PRIMARY);
            case REPLICA -> statement.kind() == StatementKind.READ && (statement.flags() & HINT_PROOF_FLAGS) == 0
                    ? RouteDecision.of(RouteTarget.REPLICA, RouteReason.HINT_REPLICA) : null;
            case NONE -> null;
        };
    }

    private static RouteDecision byStatement(Classification statement, RouteContext session) {
        if ((statement.flags() & PREVIOUS_STATEMENT_FLAGS) != 0 && statement.kind() == StatementKind.READ
                && (statement.flags() & StatementFlag.PRIMARY_REQUIRED_MASK & ~PREVIOUS_STATEMENT_FLAGS) == 0) {
            return RouteDecision.of(RouteTarget.PREVIOUS, RouteReason.PREVIOUS_STATEMENT);
        }
        return switch (statement.kind()) {
            case READ -> statement.isPrimaryRequired() ? RouteDecision.primary(RouteReason.PRIMARY_REQUIRED_READ) : null;
            case MULTI -> statement.isReplicaSafe() ? null
                    : RouteDecision.primary(statement.has(StatementFlag.MULTI_SESSION_STATE)
                    ? RouteReason.SESSION_STATE : RouteReason.WRITE);
            // The session answers KILL of a numeric id itself; the other forms are admin statements.
            case WRITE, KILL -> RouteDecision.primary(RouteReason.WRITE);
            case DDL, CREATE_TEMPORARY_TABLE, DROP_TEMPORARY_TABLE -> RouteDecision.primary(RouteReason.DDL);
            case CALL -> RouteDecision.primary(RouteReason.CALL);
            // The session answers the proxy's admin statements itself; a server would not know them.
            case UNKNOWN, EMPTY, PROXY_ADMIN -> RouteDecision.primary(RouteReason.UNKNOWN_STATEMENT);
            default -> RouteDecision.primary(RouteReason.SESSION_STATE);
        };
    }

    private static RouteDecision byConsistency(Classification statement, RouteContext session) {
        return session.consistency() == Consistency.STRONG ? RouteDecision.primary(RouteReason.CONSISTENCY_STRONG) : null;
    }
}

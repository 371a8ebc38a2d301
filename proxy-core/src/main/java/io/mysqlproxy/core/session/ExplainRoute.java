package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.StatementClassifier;
import io.mysqlproxy.core.classify.StatementFlag;
import io.mysqlproxy.core.route.RouteContext;
import io.mysqlproxy.core.route.RouteDecision;
import io.mysqlproxy.core.route.Router;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * EXPLAIN ROUTE stmt: where the session would send stmt now, and why, without running it. The
 * statement is classified and routed exactly as a COM_QUERY of it is (the same classifier, the same
 * {@link Router}, the session's own {@link RouteContext}: open transaction, autocommit, pins,
 * consistency; its hints are its own comments'), and the backend is the one the dispatch would pick
 * now. Nothing is sent, borrowed or counted; the session's state does not change.
 */
final class ExplainRoute {

    static final List<ColumnDefinition41> COLUMNS = List.of(
            ColumnDefinition41.text("target"),
            ColumnDefinition41.text("backend"),
            ColumnDefinition41.text("reason"),
            ColumnDefinition41.text("description"),
            ColumnDefinition41.text("statement_kind"),
            ColumnDefinition41.text("flags"),
            ColumnDefinition41.text("hint"));

    private ExplainRoute() {}

    /**
     * One row: target ({@code primary}, {@code replica}, {@code transaction} or {@code previous}), the
     * backend's address (NULL when no backend could take it), the reason's label and description, and
     * the statement's kind, flags (comma-separated) and routing hint.
     *
     * @param sql            the whole EXPLAIN ROUTE text
     * @param statementStart where the explained statement starts in it
     * @param backendFor     the backend a decision would use now, or null
     */
    static TextResultSet explain(
            byte[] sql,
            int statementStart,
            RouteContext session,
            Router router,
            Function<RouteDecision, Backend> backendFor) {
        Classification statement = StatementClassifier.classify(sql, statementStart, sql.length - statementStart);
        RouteDecision decision = router.route(statement, session);
        Backend backend = backendFor.apply(decision);
        return new TextResultSet(
                COLUMNS,
                List.of(TextRow.of(
                        decision.target().label(),
                        backend == null ? null : backend.address().toString(),
                        decision.reason().label(),
                        decision.reason().describe(),
                        statement.kind().name(),
                        statement.flagSet().stream().map(StatementFlag::name).collect(Collectors.joining(",")),
                        statement.hint().name().toLowerCase(Locale.ROOT))));
    }
}

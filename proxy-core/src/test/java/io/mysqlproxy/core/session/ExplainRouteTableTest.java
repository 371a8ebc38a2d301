package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.ProxyAdminStatement;
import io.mysqlproxy.core.classify.StatementClassifier;
import io.mysqlproxy.core.classify.StatementFlag;
import io.mysqlproxy.core.classify.StatementKind;
import io.mysqlproxy.core.classify.StatementTable;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.route.FakeSession;
import io.mysqlproxy.core.route.Pin;
import io.mysqlproxy.core.route.RouteDecision;
import io.mysqlproxy.core.route.RouteTarget;
import io.mysqlproxy.core.route.Router;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * EXPLAIN ROUTE against the classifier's table: for every statement of {@code classify/statements.csv},
 * {@code EXPLAIN ROUTE <statement>} is recognised, and its answer (read the way the session reads and
 * answers it) names the decision the {@link Router} takes for the statement itself, in the same routing
 * context: in a fresh session, the table's own route column; and the same as the router in sessions inside a
 * transaction, with autocommit off, pinned, with strong or eventual consistency, and with read-only
 * transactions allowed on replicas, and after a write under session and eventual consistency. A statement that is only whitespace is the one case with nothing to
 * explain: a syntax error.
 */
class ExplainRouteTableTest {

    private static final List<FakeSession> SESSIONS = List.of(
            FakeSession.fresh(),
            FakeSession.fresh().inTransaction(true),
            FakeSession.fresh().autocommit(false),
            FakeSession.fresh().pinned(Pin.LOCK_TABLES),
            FakeSession.fresh().pinned(Pin.USER_VARIABLE),
            FakeSession.fresh().consistency(Consistency.STRONG),
            FakeSession.fresh().consistency(Consistency.EVENTUAL),
            FakeSession.fresh().wrote(),
            FakeSession.fresh().wrote().consistency(Consistency.EVENTUAL));
    private static final List<Router> ROUTERS = List.of(new Router(false), new Router(true));
    /** A distinct backend per target, so the backend column shows it follows the decision. */
    private static final Map<RouteTarget, Backend> BACKENDS = new EnumMap<>(RouteTarget.class);

    static {
        for (RouteTarget target : RouteTarget.values()) {
            BACKENDS.put(
                    target,
                    new Backend(
                            new HostPort(target.label() + ".db", 3306),
                            target == RouteTarget.REPLICA ? BackendRole.REPLICA : BackendRole.PRIMARY,
                            target.label()));
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvFileSource(
            resources = StatementTable.RESOURCE,
            delimiterString = "¦",
            quoteCharacter = '§',
            numLinesToSkip = 1,
            emptyValue = "",
            nullValues = {},
            maxCharsPerColumn = 8192)
    void explainsTheRoutersDecision(
            String statement, String kind, String replicaSafe, String hint, String flags, String route) {
        String sql = StatementTable.expand(statement);
        byte[] text = ("EXPLAIN ROUTE " + sql).getBytes(StandardCharsets.UTF_8);
        String label = sql.length() > 200 ? sql.substring(0, 200) + "..." : sql;
        assertEquals(
                StatementKind.PROXY_ADMIN,
                StatementClassifier.classify(text, 0, text.length).kind(),
                label);
        ProxyAdminStatement parsed = ProxyAdminStatement.parse(text);
        if (sql.isBlank()) {
            assertEquals(ProxyAdminStatement.Kind.INVALID, parsed.kind(), label);
            return;
        }
        assertEquals(ProxyAdminStatement.Kind.EXPLAIN_ROUTE, parsed.kind(), label);

        Classification classification = StatementClassifier.classify(sql);
        assertEquals(
                route,
                decisionOf(explain(text, parsed, FakeSession.fresh(), ROUTERS.get(0))),
                label + " in a fresh session, as the table says");
        for (Router router : ROUTERS) {
            for (FakeSession session : SESSIONS) {
                RouteDecision expected = router.route(classification, session);
                TextRow row = explain(text, parsed, session, router);
                String context = label + " / " + session + " / " + router;
                assertEquals(expected.target().label() + ":" + expected.reason().label(), decisionOf(row), context);
                assertEquals(BACKENDS.get(expected.target()).address().toString(), cell(row, "backend"), context);
                assertEquals(expected.reason().describe(), cell(row, "description"), context);
                assertEquals(classification.kind().name(), cell(row, "statement_kind"), context);
                assertEquals(
                        classification.flagSet().stream()
                                .map(StatementFlag::name)
                                .collect(Collectors.joining(",")),
                        cell(row, "flags"),
                        context);
                assertEquals(classification.hint().name().toLowerCase(Locale.ROOT), cell(row, "hint"), context);
            }
        }
    }

    private static TextRow explain(byte[] text, ProxyAdminStatement parsed, FakeSession session, Router router) {
        TextResultSet result = ExplainRoute.explain(
                text, parsed.statementStart(), session, router, decision -> BACKENDS.get(decision.target()));
        assertEquals(1, result.rows().size());
        return result.rows().get(0);
    }

    private static String decisionOf(TextRow row) {
        return cell(row, "target") + ":" + cell(row, "reason");
    }

    private static String cell(TextRow row, String column) {
        List<ColumnDefinition41> columns = ExplainRoute.COLUMNS;
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return row.text(i);
            }
        }
        throw new IllegalArgumentException("no column " + column);
    }
}

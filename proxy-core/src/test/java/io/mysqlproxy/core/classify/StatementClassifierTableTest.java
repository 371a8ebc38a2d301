package io.mysqlproxy.core.classify;

import io.mysqlproxy.core.route.FakeSession;
import io.mysqlproxy.core.route.RouteContext;
import io.mysqlproxy.core.route.RouteDecision;
import io.mysqlproxy.core.route.Router;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The classifier against {@code classify/statements.csv} (see {@link StatementTable}): one statement
 * per row with its expected kind, replica safety, hint and exact flag set, and where
 * {@code new Router(false)} sends it in a fresh session (no transaction, autocommit on, no pins,
 * consistency {@code session}), written as {@code target:reason} in lower case, e.g.
 * {@code replica:read} or {@code previous:previous_statement}.
 */
class StatementClassifierTableTest {

    private static final Router ROUTER = new Router(false);
    private static final RouteContext FRESH_SESSION = FakeSession.fresh();

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvFileSource(
            resources = "/classify/statements.csv",
            delimiterString = "¦",
            quoteCharacter = '§',
            numLinesToSkip = 1,
            emptyValue = "",
            nullValues = {},
            maxCharsPerColumn = 8192)
    void classifies(
            String statement, StatementKind kind, boolean replicaSafe, RouteHint hint, String flags, String route) {
        String sql = StatementTable.expand(statement);
        Classification actual = StatementClassifier.classify(sql);
        RouteDecision decision = ROUTER.route(actual, FRESH_SESSION);
        assertAll(
                sql.length() > 200 ? sql.substring(0, 100) + "..." + sql.substring(sql.length() - 100) : sql,
                () -> assertEquals(kind, actual.kind(), "kind"),
                () -> assertEquals(expectedFlags(flags), actual.flagSet(), "flags"),
                () -> assertEquals(hint, actual.hint(), "hint"),
                () -> assertEquals(replicaSafe, actual.isReplicaSafe(), "replica-safe"),
                () -> assertEquals(
                        route,
                        decision.target().label() + ":" + decision.reason().label(),
                        "route"));
    }

    private static Set<StatementFlag> expectedFlags(String names) {
        Set<StatementFlag> flags = EnumSet.noneOf(StatementFlag.class);
        if (names != null && !names.isBlank()) {
            Arrays.stream(names.trim().split("\\s+"))
                    .map(StatementFlag::valueOf)
                    .forEach(flags::add);
        }
        return flags;
    }
}

package io.mysqlproxy.core.classify;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/**
 * The classifier against {@code classify/statements.csv}: one statement per row with its expected
 * kind, replica safety, hint and exact flag set.
 *
 * <p>The file is split on {@code ¦} and quoted with {@code §}, neither of which SQL uses, so statements
 * need no escaping; a statement that starts with {@code #} or has significant outer whitespace is
 * quoted with {@code §} (unquoted lines starting with {@code #} are comments). Inside a statement
 * {@code ⏎} stands for a newline, {@code ⇥} for a tab and {@code ⟦1MB⟧} for a mebibyte of {@code x}.
 */
class StatementClassifierTableTest {

    private static final String MEBIBYTE = "x".repeat(1 << 20);

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvFileSource(resources = "/classify/statements.csv", delimiterString = "¦", quoteCharacter = '§',
            numLinesToSkip = 1, emptyValue = "", nullValues = {}, maxCharsPerColumn = 8192)
    void classifies(String statement, StatementKind kind, boolean replicaSafe, RouteHint hint, String flags) {
        String sql = expand(statement == null ? "" : statement);
        Classification actual = StatementClassifier.classify(sql);
        assertAll(sql.length() > 200 ? sql.substring(0, 100) + "..." + sql.substring(sql.length() - 100) : sql,
                () -> assertEquals(kind, actual.kind(), "kind"),
                () -> assertEquals(expectedFlags(flags), actual.flagSet(), "flags"),
                () -> assertEquals(hint, actual.hint(), "hint"),
                () -> assertEquals(replicaSafe, actual.isReplicaSafe(), "replica-safe"));
    }

    private static String expand(String statement) {
        return statement.replace("⏎", "\n").replace("⇥", "\t").replace("⟦1MB⟧", MEBIBYTE);
    }

    private static Set<StatementFlag> expectedFlags(String names) {
        Set<StatementFlag> flags = EnumSet.noneOf(StatementFlag.class);
        if (names != null && !names.isBlank()) {
            Arrays.stream(names.trim().split("\\s+")).map(StatementFlag::valueOf).forEach(flags::add);
        }
        return flags;
    }
}

package io.mysqlproxy.core.classify;

/**
 * How {@code classify/statements.csv} writes its statements: split on {@code ¦} and quoted with
 * {@code §}, neither of which SQL uses, so statements need no escaping; a statement that starts with
 * {@code #} or has significant outer whitespace is quoted with {@code §} (unquoted lines starting with
 * {@code #} are comments). Inside a statement {@code ⏎} stands for a newline, {@code ⇥} for a tab and
 * {@code ⟦1MB⟧} for a mebibyte of {@code x}. Its columns: statement, kind, replica safety, hint, flags
 * (space-separated) and route, {@code target:reason} for a fresh session and {@code new Router(false)}.
 */
public final class StatementTable {

    /** The resource, for {@code @CsvFileSource(resources = ...)}. */
    public static final String RESOURCE = "/classify/statements.csv";

    private static final String MEBIBYTE = "x".repeat(1 << 20);

    private StatementTable() {}

    /** The statement a cell stands for. */
    public static String expand(String cell) {
        return (cell == null ? "" : cell).replace("⏎", "\n").replace("⇥", "\t").replace("⟦1MB⟧", MEBIBYTE);
    }
}

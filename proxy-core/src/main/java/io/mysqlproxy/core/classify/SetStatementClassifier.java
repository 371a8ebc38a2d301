package io.mysqlproxy.core.classify;

/**
 * Classifies SET statements, which are session state in most forms but not all: SET PASSWORD and
 * SET DEFAULT ROLE change accounts, SET GLOBAL / PERSIST change the server, and MariaDB's
 * {@code SET STATEMENT ... FOR stmt} is really {@code stmt}.
 *
 * <p>The assignment list is walked one assignment at a time (commas outside parentheses separate
 * them); each target decides a flag, and a lone autocommit assignment becomes SET_AUTOCOMMIT.
 */
final class SetStatementClassifier {

    private static final int AUTOCOMMIT_ON = StatementFlag.AUTOCOMMIT_ON.bit();
    private static final int AUTOCOMMIT_OFF = StatementFlag.AUTOCOMMIT_OFF.bit();
    private static final int USER_VARIABLE = StatementFlag.USER_VARIABLE.bit();
    private static final int SESSION_VARIABLE = StatementFlag.SESSION_VARIABLE.bit();
    private static final int CHARSET = StatementFlag.CHARSET.bit();
    private static final int GLOBAL_VARIABLE = StatementFlag.GLOBAL_VARIABLE.bit();

    // Scopes. As in the servers' grammar, the latest scope keyword (GLOBAL, SESSION ...) applies to the
    // following assignments without one; an @@global. or @@session. prefix to its own variable only.

    private SetStatementClassifier() {}

    /** Starts at the SET token; may stop before the end of the statement. */
    static long classify(SqlLexer lx) {
        lx.next();
        Keyword first = lx.keyword();
        if (first == Keyword.STATEMENT) {
            return setStatementFor(lx);
        }
        if (first == Keyword.PASSWORD || first == Keyword.DEFAULT) {
            return PartResult.of(StatementKind.DDL);
        }
        int flags = 0;
        int assignments = 0;
        int depth = 0;
        boolean global = false;
        boolean globalKeyword = false;
        boolean autocommit = false;
        boolean atTarget = true;
        while (!lx.atStatementEnd()) {
            if (atTarget) {
                atTarget = false;
                assignments++;
                SetScope scope = SetScope.skip(lx);
                if (scope == SetScope.WAS_NAME) {
                    // "@@session" or "@@global" used as a name: nothing recognisable is assigned.
                    flags |= SESSION_VARIABLE;
                    continue;
                }
                if (scope.carriesOver()) {
                    globalKeyword = scope == SetScope.GLOBAL_KEYWORD;
                }
                boolean globalScope = scope.global(globalKeyword);
                global |= globalScope;
                Keyword target = lx.keyword();
                if (target == Keyword.TRANSACTION && assignments == 1) {
                    // Without SESSION it is for the next transaction only (no SESSION_VARIABLE flag).
                    return global
                            ? PartResult.of(StatementKind.WRITE, GLOBAL_VARIABLE)
                            : PartResult.of(StatementKind.SET_TRANSACTION, scope.session() ? SESSION_VARIABLE : 0);
                }
                if (target == Keyword.AUTOCOMMIT) {
                    autocommit = true;
                    flags |= autocommitValue(lx);
                } else if (target == Keyword.NAMES || target == Keyword.CHARSET || target == Keyword.CHARACTER) {
                    flags |= CHARSET;
                } else if (lx.type() == SqlLexer.USER_VARIABLE) {
                    flags |= USER_VARIABLE;
                } else if (!globalScope && (lx.type() == SqlLexer.WORD || lx.type() == SqlLexer.QUOTED_IDENTIFIER)) {
                    flags |= SESSION_VARIABLE;
                }
                continue;
            }
            if (lx.isPunct('(')) {
                depth++;
            } else if (lx.isPunct(')')) {
                depth--;
            } else if (lx.isPunct(',') && depth == 0) {
                atTarget = true;
            }
            lx.next();
        }
        if (global) {
            return PartResult.of(StatementKind.WRITE, flags | GLOBAL_VARIABLE);
        }
        if (autocommit && assignments == 1) {
            return PartResult.of(StatementKind.SET_AUTOCOMMIT, flags);
        }
        return PartResult.of(StatementKind.SESSION_SET, flags);
    }

    /** At the autocommit name: consumes {@code = value} and returns the flag for a literal value. */
    private static int autocommitValue(SqlLexer lx) {
        lx.next();
        if (lx.isPunct('=') || lx.type() == SqlLexer.ASSIGN) {
            lx.next();
        }
        if (lx.is(Keyword.ON) || lx.is(Keyword.TRUE) || lx.isSingleChar('1')) {
            lx.next();
            return AUTOCOMMIT_ON;
        }
        if (lx.is(Keyword.OFF) || lx.is(Keyword.FALSE) || lx.isSingleChar('0')) {
            lx.next();
            return AUTOCOMMIT_OFF;
        }
        return 0;
    }

    /** {@code SET STATEMENT var = value [, ...] FOR statement}: the inner statement decides. */
    private static long setStatementFor(SqlLexer lx) {
        int depth = 0;
        while (!lx.atStatementEnd()) {
            if (lx.isPunct('(')) {
                depth++;
            } else if (lx.isPunct(')')) {
                depth--;
            } else if (depth == 0 && lx.is(Keyword.FOR)) {
                lx.next();
                return lx.atStatementEnd() ? PartResult.of(StatementKind.UNKNOWN) : StatementClassifier.dispatch(lx);
            }
            lx.next();
        }
        return PartResult.of(StatementKind.UNKNOWN);
    }
}

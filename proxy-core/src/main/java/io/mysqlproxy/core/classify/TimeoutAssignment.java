package io.mysqlproxy.core.classify;

/**
 * What a SET statement assigns to one of the session's timeout variables in seconds
 * ({@code wait_timeout}), read from its text: a whole number (clamped to MySQL's range
 * 1..31536000, as the server clamps it with a warning), {@code DEFAULT}, or nothing the proxy can
 * read. Assignments are taken in order and the last readable one wins; those with GLOBAL or PERSIST
 * scope do not count. As in the servers' grammar, a scope keyword ({@code GLOBAL}, {@code SESSION} ...)
 * carries over to later assignments without a scope of their own, while an {@code @@global.} or
 * {@code @@session.} prefix names the scope of its own variable only. An expression, a user variable or a quoted value is not read: the session
 * keeps what it had. Called only for a SET that succeeded, so it may allocate.
 *
 * @param assigned whether a readable session assignment was found
 * @param restoresDefault the value is {@code DEFAULT}: the global value, as the server has it
 * @param seconds the clamped value when assigned and not {@code DEFAULT}
 */
public record TimeoutAssignment(boolean assigned, boolean restoresDefault, long seconds) {

    public static final long MIN_SECONDS = 1;
    public static final long MAX_SECONDS = 31_536_000;

    private static final TimeoutAssignment NONE = new TimeoutAssignment(false, false, 0);
    private static final TimeoutAssignment DEFAULT = new TimeoutAssignment(true, true, 0);

    /** What {@code sql} (a SET statement) assigns to the session's {@code variable}. */
    public static TimeoutAssignment in(byte[] sql, String variable) {
        // Most SETs name other variables: no lexing for them.
        if (!SqlOperands.containsIgnoreCase(sql, variable)) {
            return NONE;
        }
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, 0, sql.length);
        lx.next();
        if (!lx.is(Keyword.SET)) {
            return NONE;
        }
        lx.next();
        TimeoutAssignment found = NONE;
        boolean globalKeyword = false;
        while (!lx.atStatementEnd()) {
            SetScope scope = SetScope.skip(lx);
            if (scope.carriesOver()) {
                globalKeyword = scope == SetScope.GLOBAL_KEYWORD;
            }
            boolean global = scope.global(globalKeyword);
            boolean named = scope != SetScope.WAS_NAME
                    && lx.type() == SqlLexer.WORD
                    && lx.text().equalsIgnoreCase(variable);
            lx.next();
            if (lx.isPunct('=') || lx.type() == SqlLexer.ASSIGN) {
                lx.next();
                TimeoutAssignment value = value(lx);
                if (named && !global && value != null) {
                    found = value;
                }
            }
            skipToNextAssignment(lx);
        }
        return found;
    }

    /** At the value: a whole number or DEFAULT alone up to the next assignment, else null. */
    private static TimeoutAssignment value(SqlLexer lx) {
        if (lx.is(Keyword.DEFAULT)) {
            lx.next();
            return endsHere(lx) ? DEFAULT : null;
        }
        boolean negative = false;
        if (lx.isPunct('-') || lx.isPunct('+')) {
            negative = lx.isPunct('-');
            lx.next();
        }
        if (lx.type() != SqlLexer.WORD) {
            return null;
        }
        String digits = lx.text();
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        lx.next();
        if (!endsHere(lx)) {
            return null;
        }
        return new TimeoutAssignment(true, false, negative ? MIN_SECONDS : clamp(digits));
    }

    private static long clamp(String digits) {
        // More digits than the maximum has is above it, whatever they are.
        if (digits.length() > 9) {
            return MAX_SECONDS;
        }
        return Math.max(MIN_SECONDS, Math.min(MAX_SECONDS, Long.parseLong(digits)));
    }

    private static boolean endsHere(SqlLexer lx) {
        return lx.atStatementEnd() || lx.isPunct(',');
    }

    /** Skips the rest of an assignment (an expression, with parentheses) and its comma. */
    private static void skipToNextAssignment(SqlLexer lx) {
        int depth = 0;
        while (!lx.atStatementEnd()) {
            if (lx.isPunct('(')) {
                depth++;
            } else if (lx.isPunct(')')) {
                depth--;
            } else if (depth == 0 && lx.isPunct(',')) {
                lx.next();
                return;
            }
            lx.next();
        }
    }
}

package io.mysqlproxy.core.classify;

import static io.mysqlproxy.core.classify.SqlLexer.ASSIGN;
import static io.mysqlproxy.core.classify.SqlLexer.PUNCT;
import static io.mysqlproxy.core.classify.SqlLexer.SYSTEM_VARIABLE;
import static io.mysqlproxy.core.classify.SqlLexer.USER_VARIABLE;
import static io.mysqlproxy.core.classify.SqlLexer.WORD;

/**
 * Reads the rest of a query (SELECT, WITH, TABLE, VALUES, DO) token by token and collects what makes a
 * read unfit for a replica. It works on a window of the last two keywords rather than a grammar, which
 * is enough for the fixed phrases involved ({@code FOR UPDATE}, {@code LOCK IN SHARE MODE},
 * {@code NEXT VALUE FOR}, {@code @@[scope.]name}) and finds them at any depth, subqueries included.
 */
final class QueryScanner {

    private static final int LOCKING_READ = StatementFlag.LOCKING_READ.bit();
    private static final int SELECT_INTO = StatementFlag.SELECT_INTO.bit();
    private static final int LOCK_FUNCTION = StatementFlag.LOCK_FUNCTION.bit();
    private static final int SEQUENCE_FUNCTION = StatementFlag.SEQUENCE_FUNCTION.bit();
    private static final int SESSION_FUNCTION = StatementFlag.SESSION_FUNCTION.bit();
    private static final int PREVIOUS_RESULT_FUNCTION = StatementFlag.PREVIOUS_RESULT_FUNCTION.bit();
    private static final int ASSIGNMENT = StatementFlag.USER_VARIABLE_ASSIGNMENT.bit();
    private static final int CALC_FOUND_ROWS = StatementFlag.CALC_FOUND_ROWS.bit();

    private QueryScanner() {}

    /**
     * Consumes tokens up to the end of the statement, starting at its first token.
     *
     * @param cte the statement starts with WITH: its kind is then decided by the first SELECT, TABLE,
     *            VALUES (a read) or UPDATE, DELETE, INSERT, REPLACE (a write) outside parentheses, that
     *            is, after the common table expressions; a parenthesised body after them is a read
     */
    static long scan(SqlLexer lx, boolean cte) {
        int flags = 0;
        int depth = 0;
        boolean verbPending = cte;
        Keyword previous = null;
        Keyword beforePrevious = null;
        int previousType = SqlLexer.EOF;
        boolean previousWasDot = false;
        // How far into "@@ [scope .] name" the previous token was: 0 outside, 1 after @@, 2 after the
        // scope, 3 after its dot.
        int variable = 0;
        while (!lx.atStatementEnd()) {
            int type = lx.type();
            // After "qualifier." a word is a column, table or stored-function name, never a keyword.
            Keyword keyword = previousWasDot ? null : lx.keyword();
            boolean dot = lx.isPunct('.');
            int variableStep = 0;
            if (type == SYSTEM_VARIABLE) {
                variableStep = 1;
            } else if (variable == 1
                    && (keyword == Keyword.SESSION || keyword == Keyword.LOCAL || keyword == Keyword.GLOBAL)) {
                variableStep = 2;
            } else if (variable == 2 && dot) {
                variableStep = 3;
            } else if ((variable == 1 || variable == 3) && type == WORD) {
                // The name itself, which is never a keyword after the dot: look it up regardless.
                flags |= variableFlag(lx.keyword());
            }
            variable = variableStep;
            if (type == PUNCT) {
                if (lx.isPunct('(')) {
                    // MySQL only takes "name (" as a call under IGNORE_SPACE, but counting it is the safe side.
                    if (previousType == WORD) {
                        flags |= functionFlag(previous);
                    }
                    depth++;
                } else if (lx.isPunct(')')) {
                    depth--;
                }
            } else if (type == ASSIGN) {
                if (previousType == USER_VARIABLE) {
                    flags |= ASSIGNMENT;
                }
            } else if (keyword != null) {
                if (verbPending && depth == 0) {
                    switch (keyword) {
                        case SELECT, TABLE, VALUES -> verbPending = false;
                        case UPDATE, DELETE, INSERT, REPLACE -> {
                            return PartResult.of(StatementKind.WRITE);
                        }
                        default -> {}
                    }
                }
                flags |= phraseFlag(keyword, previous, beforePrevious);
            }
            beforePrevious = previous;
            previous = keyword;
            previousType = type;
            previousWasDot = dot;
            lx.next();
        }
        return PartResult.of(StatementKind.READ, flags);
    }

    private static int phraseFlag(Keyword keyword, Keyword previous, Keyword beforePrevious) {
        return switch (keyword) {
            case UPDATE -> previous == Keyword.FOR ? LOCKING_READ : 0;
            case SHARE ->
                previous == Keyword.FOR || (previous == Keyword.IN && beforePrevious == Keyword.LOCK)
                        ? LOCKING_READ
                        : 0;
            case INTO -> SELECT_INTO;
            case SQL_CALC_FOUND_ROWS -> CALC_FOUND_ROWS;
            case FOR ->
                previous == Keyword.VALUE && (beforePrevious == Keyword.NEXT || beforePrevious == Keyword.PREVIOUS)
                        ? SEQUENCE_FUNCTION
                        : 0;
            default -> 0;
        };
    }

    /** {@code @@identity}, {@code @@last_insert_id}: like the functions, they read the connection's past. */
    private static int variableFlag(Keyword name) {
        if (name == null) {
            return 0;
        }
        return switch (name) {
            case IDENTITY, LAST_INSERT_ID -> SESSION_FUNCTION;
            case WARNING_COUNT, ERROR_COUNT -> PREVIOUS_RESULT_FUNCTION;
            default -> 0;
        };
    }

    private static int functionFlag(Keyword name) {
        if (name == null) {
            return 0;
        }
        return switch (name) {
            case GET_LOCK, RELEASE_LOCK, RELEASE_ALL_LOCKS, IS_USED_LOCK, IS_FREE_LOCK -> LOCK_FUNCTION;
            case LAST_INSERT_ID -> SESSION_FUNCTION;
            case FOUND_ROWS, ROW_COUNT -> PREVIOUS_RESULT_FUNCTION;
            case NEXTVAL, LASTVAL, SETVAL -> SEQUENCE_FUNCTION;
            default -> 0;
        };
    }
}

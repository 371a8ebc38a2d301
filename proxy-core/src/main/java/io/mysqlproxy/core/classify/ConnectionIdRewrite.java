package io.mysqlproxy.core.classify;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static io.mysqlproxy.core.classify.SqlLexer.ASSIGN;
import static io.mysqlproxy.core.classify.SqlLexer.EOF;
import static io.mysqlproxy.core.classify.SqlLexer.SYSTEM_VARIABLE;
import static io.mysqlproxy.core.classify.SqlLexer.WORD;

/**
 * Rewrites the reads of the connection id in a statement text, {@code CONNECTION_ID()} and
 * {@code @@[SESSION. | LOCAL.]pseudo_thread_id}, to the proxy's connection id as a number literal. The
 * client was greeted with the proxy's id and KILLs by it; the server would answer with its own thread
 * id, a different number on every backend the session uses.
 *
 * <p>Found by the {@link SqlLexer}, so the words inside strings, quoted identifiers and comments stay as
 * they are, and a name after a qualifier ({@code db.connection_id()}, a stored function) too. The
 * name may be separated from its parentheses by spaces and comments. The target of an assignment
 * ({@code SET @@pseudo_thread_id = 5}) is left to the server.
 *
 * <p>Statements that define objects (DDL: CREATE TABLE / VIEW / TRIGGER / PROCEDURE / FUNCTION / EVENT,
 * ALTER ...) are left as they are; the other statements of a multi-statement with one are still rewritten.
 *
 * <p>A select item that is exactly such a read, without an alias, gets {@code AS `<its text>`}, so the
 * result column keeps the name the server would give it. Called only for texts whose classification
 * has {@link StatementFlag#CONNECTION_ID}; allocates.
 */
public final class ConnectionIdRewrite {

    /** Select-list modifiers that may stand between SELECT and its first item. */
    private static final String[] SELECT_MODIFIERS = {
        "ALL",
        "DISTINCT",
        "DISTINCTROW",
        "HIGH_PRIORITY",
        "STRAIGHT_JOIN",
        "SQL_SMALL_RESULT",
        "SQL_BIG_RESULT",
        "SQL_BUFFER_RESULT",
        "SQL_CACHE",
        "SQL_NO_CACHE",
        "SQL_CALC_FOUND_ROWS"
    };

    /** Words that end a select list at its own depth. */
    private static final String[] SELECT_LIST_ENDS = {
        "FROM",
        "INTO",
        "WHERE",
        "GROUP",
        "HAVING",
        "WINDOW",
        "ORDER",
        "LIMIT",
        "UNION",
        "EXCEPT",
        "INTERSECT",
        "FOR",
        "LOCK"
    };

    /** Deepest parenthesis level whose select list is tracked (one bit each in a long). */
    private static final int MAX_TRACKED_DEPTH = 63;

    private final SqlLexer lx = new SqlLexer();
    private final byte[] sql;
    private final byte[] id;
    private final ByteArrayOutputStream out;
    /** How much of {@code sql} is in {@code out} already. */
    private int copied;

    private boolean replaced;
    private int depth;
    /** Bit d: parenthesis level d is in a SELECT's list of items. */
    private long selectLists;

    private ConnectionIdRewrite(byte[] sql, long connectionId) {
        this.sql = sql;
        this.id = Long.toUnsignedString(connectionId).getBytes(StandardCharsets.US_ASCII);
        this.out = new ByteArrayOutputStream(sql.length + 32);
    }

    /** {@code sql} with its reads of the connection id replaced by {@code connectionId}, or null if it has none. */
    public static byte[] rewrite(byte[] sql, long connectionId) {
        return new ConnectionIdRewrite(sql, connectionId).run();
    }

    private byte[] run() {
        SqlLexer statements = new SqlLexer();
        statements.reset(sql, 0, sql.length);
        try {
            // Each statement from just past the previous ';', so that comments before it (an opening /*!) go along.
            int start = 0;
            statements.next();
            while (statements.type() != EOF) {
                if (statements.isPunct(';')) {
                    start = statements.end();
                    statements.next();
                    continue;
                }
                StatementKind kind = PartResult.kind(StatementClassifier.dispatch(statements));
                StatementClassifier.skipToStatementEnd(statements);
                if (!definesObject(kind)) {
                    lx.reset(sql, start, statements.start() - start);
                    scan();
                }
            }
        } finally {
            statements.release();
            lx.release();
        }
        if (!replaced) {
            return null;
        }
        out.write(sql, copied, sql.length - copied);
        return out.toByteArray();
    }

    /**
     * CREATE and ALTER of tables, views, triggers, stored programs and events (and the other DDL) keep their
     * text: a proxy id written there would be one session's number stored for good, where the server
     * evaluates CONNECTION_ID() each time the object runs (its own thread id, as on any direct connection).
     */
    private static boolean definesObject(StatementKind kind) {
        return kind == StatementKind.DDL || kind == StatementKind.CREATE_TEMPORARY_TABLE;
    }

    /** Rewrites the reads in the statement the lexer was reset to. */
    private void scan() {
        boolean statementStart = true;
        boolean setStatement = false;
        // What the previous token was: a qualifier's dot, a place where a select item starts, SET or ','.
        boolean afterDot = false;
        boolean itemBoundary = false;
        boolean assignmentBoundary = false;
        lx.next();
        while (lx.type() != EOF) {
            if (lx.isPunct(';')) {
                statementStart = true;
                depth = 0;
                selectLists = 0;
                afterDot = itemBoundary = assignmentBoundary = false;
                lx.next();
                continue;
            }
            if (statementStart) {
                setStatement = lx.is(Keyword.SET);
                statementStart = false;
            }
            int start = lx.start();
            if ((!afterDot && lx.is(Keyword.CONNECTION_ID)) || lx.type() == SYSTEM_VARIABLE) {
                boolean itemStart = itemBoundary;
                boolean assignable = setStatement && assignmentBoundary;
                afterDot = itemBoundary = assignmentBoundary = false;
                if (lx.type() == WORD) {
                    connectionIdCall(start, itemStart);
                } else {
                    pseudoThreadId(start, itemStart, assignable);
                }
                continue; // the lexer is on a token not looked at yet
            }
            boolean select = !afterDot && lx.is(Keyword.SELECT);
            boolean comma = lx.isPunct(',');
            itemBoundary = select
                    || (comma && inSelectList())
                    || (itemBoundary && lx.type() == WORD && isAnyOf(SELECT_MODIFIERS));
            assignmentBoundary = comma || lx.is(Keyword.SET);
            track(select);
            afterDot = lx.isPunct('.');
            lx.next();
        }
    }

    /** Keeps the parenthesis depth and which levels are in a select list, for the current token. */
    private void track(boolean select) {
        if (lx.isPunct('(')) {
            depth++;
            setSelectList(false);
        } else if (lx.isPunct(')')) {
            setSelectList(false);
            depth = Math.max(0, depth - 1);
        } else if (select) {
            setSelectList(true);
        } else if (inSelectList() && lx.type() == WORD && isAnyOf(SELECT_LIST_ENDS)) {
            setSelectList(false);
        }
    }

    private boolean inSelectList() {
        return depth <= MAX_TRACKED_DEPTH && (selectLists & (1L << depth)) != 0;
    }

    private void setSelectList(boolean on) {
        if (depth <= MAX_TRACKED_DEPTH) {
            selectLists = on ? selectLists | (1L << depth) : selectLists & ~(1L << depth);
        }
    }

    /**
     * At the word CONNECTION_ID: if {@code ( )} follows, replaces the call. Leaves the lexer on the first
     * token not consumed: the one after the call, or the one that broke the pattern.
     */
    private void connectionIdCall(int start, boolean itemStart) {
        lx.next();
        if (!lx.isPunct('(')) {
            return;
        }
        lx.next();
        if (!lx.isPunct(')')) {
            // Arguments: a call of something else by that name, whose parenthesis counts like any other.
            depth++;
            setSelectList(false);
            return;
        }
        int end = lx.end();
        lx.next();
        replace(start, end, itemStart && endsSelectItem());
    }

    /**
     * At {@code @@}: if {@code [SESSION. | LOCAL.]pseudo_thread_id} follows and is not the target of a SET
     * ({@code mayBeAssigned}: it stands where a SET names what it assigns), replaces it. Leaves the lexer on
     * the first token not consumed.
     */
    private void pseudoThreadId(int start, boolean itemStart, boolean mayBeAssigned) {
        lx.next();
        if (lx.is(Keyword.SESSION) || lx.is(Keyword.LOCAL)) {
            lx.next();
            if (!lx.isPunct('.')) {
                return;
            }
            lx.next();
        }
        if (!lx.is(Keyword.PSEUDO_THREAD_ID)) {
            return;
        }
        int end = lx.end();
        lx.next();
        if (mayBeAssigned && (lx.isPunct('=') || lx.type() == ASSIGN)) {
            return;
        }
        replace(start, end, itemStart && endsSelectItem());
    }

    /** Whether the current token ends the select item before it: the item has no alias and nothing follows it. */
    private boolean endsSelectItem() {
        return inSelectList()
                && (lx.atStatementEnd()
                        || lx.isPunct(',')
                        || lx.isPunct(')')
                        || (lx.type() == WORD && isAnyOf(SELECT_LIST_ENDS)));
    }

    private void replace(int start, int end, boolean alias) {
        out.write(sql, copied, start - copied);
        out.writeBytes(id);
        if (alias) {
            ColumnAlias.write(out, sql, start, end);
        }
        copied = end;
        replaced = true;
    }

    /** Whether the current WORD is one of {@code words} (upper case), in any letter case. */
    private boolean isAnyOf(String[] words) {
        int start = lx.start();
        int length = lx.end() - start;
        for (String word : words) {
            if (word.length() == length && equalsIgnoreCase(word, start)) {
                return true;
            }
        }
        return false;
    }

    private boolean equalsIgnoreCase(String word, int start) {
        for (int i = 0; i < word.length(); i++) {
            int b = sql[start + i];
            if ((b >= 'a' && b <= 'z' ? b - ('a' - 'A') : b) != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}

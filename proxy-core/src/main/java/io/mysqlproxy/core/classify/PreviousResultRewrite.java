package io.mysqlproxy.core.classify;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static io.mysqlproxy.core.classify.SqlLexer.EOF;
import static io.mysqlproxy.core.classify.SqlLexer.WORD;

/**
 * Rewrites the calls {@code ROW_COUNT()} and {@code FOUND_ROWS()} in a statement text to the values the
 * proxy saw for the session's previous statement, as number literals. Under transaction multiplexing the
 * connection that ran the previous statement may have gone to another session since, whose statements
 * would answer instead; the proxy saw the answer itself (the OK's affected rows, the rows it relayed).
 *
 * <p>Found by the {@link SqlLexer}, so the words inside strings, quoted identifiers and comments stay as
 * they are, and a name after a qualifier ({@code db.row_count()}) too. A call that is a whole select item
 * without an alias gets {@code AS `<its text>`}, so that the result column keeps the server's name.
 * Allocates; called only for texts whose classification has {@link StatementFlag#PREVIOUS_RESULT_FUNCTION}.
 */
public final class PreviousResultRewrite {

    private static final String[] ITEM_ENDS = {
        "FROM", "INTO", "WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "UNION", "FOR", "LOCK"
    };

    private final SqlLexer lx = new SqlLexer();
    private final byte[] sql;
    private final byte[] rowCount;
    private final byte[] foundRows;
    private final ByteArrayOutputStream out;
    private int copied;

    private PreviousResultRewrite(byte[] sql, long rowCount, long foundRows) {
        this.sql = sql;
        this.rowCount = Long.toString(rowCount).getBytes(StandardCharsets.US_ASCII);
        this.foundRows = Long.toUnsignedString(foundRows).getBytes(StandardCharsets.US_ASCII);
        this.out = new ByteArrayOutputStream(sql.length + 32);
    }

    /** {@code sql} with ROW_COUNT() and FOUND_ROWS() replaced by these values, or null if it calls neither. */
    public static byte[] rewrite(byte[] sql, long rowCount, long foundRows) {
        return new PreviousResultRewrite(sql, rowCount, foundRows).run();
    }

    private byte[] run() {
        lx.reset(sql, 0, sql.length);
        try {
            boolean afterDot = false;
            boolean itemStart = false;
            lx.next();
            while (lx.type() != EOF) {
                if (!afterDot && (lx.is(Keyword.ROW_COUNT) || lx.is(Keyword.FOUND_ROWS))) {
                    byte[] value = lx.is(Keyword.ROW_COUNT) ? rowCount : foundRows;
                    boolean alias = itemStart;
                    int start = lx.start();
                    itemStart = false;
                    if (call(start, value, alias)) {
                        continue;
                    }
                }
                itemStart = lx.is(Keyword.SELECT) || lx.isPunct(',');
                afterDot = lx.isPunct('.');
                lx.next();
            }
        } finally {
            lx.release();
        }
        if (copied == 0) {
            return null;
        }
        out.write(sql, copied, sql.length - copied);
        return out.toByteArray();
    }

    /** At the function's name: replaces {@code name ( )}; true when it did (the lexer is past the call). */
    private boolean call(int start, byte[] value, boolean itemStart) {
        lx.next();
        if (!lx.isPunct('(')) {
            return false;
        }
        lx.next();
        if (!lx.isPunct(')')) {
            return false;
        }
        int end = lx.end();
        lx.next();
        out.write(sql, copied, start - copied);
        out.writeBytes(value);
        if (itemStart && endsItem()) {
            ColumnAlias.write(out, sql, start, end);
        }
        copied = end;
        return true;
    }

    private boolean endsItem() {
        if (lx.atStatementEnd() || lx.isPunct(',') || lx.isPunct(')')) {
            return true;
        }
        if (lx.type() != WORD) {
            return false;
        }
        String word = lx.text();
        for (String end : ITEM_ENDS) {
            if (end.equalsIgnoreCase(word)) {
                return true;
            }
        }
        return false;
    }
}

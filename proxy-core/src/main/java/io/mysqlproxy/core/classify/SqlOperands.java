package io.mysqlproxy.core.classify;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads the operands of the few statements whose values the session must know after they ran:
 * the schema of USE, whether a SET gives user variables constant values (which can be replayed on
 * another server), whether a CALL or GET DIAGNOSTICS names user variables, the target of KILL, and
 * the proxy's own {@code SET proxy_*} settings. Called only for statements already classified as
 * those kinds, so it may allocate.
 */
public final class SqlOperands {

    /** What {@code KILL [CONNECTION | QUERY] id} asks for: {@code query} stops the statement, not the session. */
    public record KillTarget(long id, boolean query) {}

    private SqlOperands() {}

    /** The schema named by {@code USE name}, unquoted, or null if the text is not a plain USE. */
    public static String useSchema(byte[] sql) {
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, 0, sql.length);
        lx.next();
        if (!lx.is(Keyword.USE)) {
            return null;
        }
        int type = lx.next();
        if (type != SqlLexer.WORD && type != SqlLexer.QUOTED_IDENTIFIER) {
            return null;
        }
        String schema = lx.text();
        lx.next();
        return lx.atStatementEnd() ? schema : null;
    }

    /**
     * Whether every user variable a SET statement assigns gets a constant: a number, a string
     * (with an optional character set introducer), NULL, TRUE or FALSE. Such a SET gives the same
     * values wherever it runs; an expression ({@code NOW()}, a subquery, another variable) may not.
     */
    public static boolean userVariablesGetConstants(byte[] sql) {
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, 0, sql.length);
        lx.next();
        if (!lx.is(Keyword.SET)) {
            return false;
        }
        lx.next();
        while (!lx.atStatementEnd()) {
            boolean userVariable = lx.type() == SqlLexer.USER_VARIABLE;
            // Up to the '=' or ':=', or the ',' that ends an item without one (NAMES, CHARACTER SET).
            while (!lx.atStatementEnd() && lx.type() != SqlLexer.ASSIGN && !lx.isPunct('=') && !lx.isPunct(',')) {
                lx.next();
            }
            if (lx.atStatementEnd()) {
                return !userVariable;
            }
            if (lx.isPunct(',')) {
                if (userVariable) {
                    return false;
                }
                lx.next();
                continue;
            }
            lx.next();
            if (userVariable) {
                if (!constant(lx)) {
                    return false;
                }
            } else {
                skipExpression(lx);
            }
            if (lx.isPunct(',')) {
                lx.next();
            } else if (!lx.atStatementEnd()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the text names a user variable anywhere. A CALL may set one through an OUT parameter
     * ({@code CALL p(@out)}) and GET DIAGNOSTICS sets its targets, on the server that ran them.
     */
    public static boolean mentionsUserVariable(byte[] sql) {
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, 0, sql.length);
        for (int type = lx.next(); type != SqlLexer.EOF; type = lx.next()) {
            if (type == SqlLexer.USER_VARIABLE) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the text calls {@code LAST_INSERT_ID(expr)}, which sets what LAST_INSERT_ID() returns next
     * (a call without an argument only reads it).
     */
    public static boolean setsLastInsertId(byte[] sql) {
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, 0, sql.length);
        for (int type = lx.next(); type != SqlLexer.EOF; type = lx.next()) {
            if (lx.is(Keyword.LAST_INSERT_ID) && lx.next() != SqlLexer.EOF && lx.isPunct('(')) {
                lx.next();
                if (!lx.isPunct(')')) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The target of {@code KILL [HARD | SOFT] [CONNECTION | QUERY] id} when the id is a plain number,
     * or null for the other forms (KILL USER, MariaDB's KILL QUERY ID, an expression). An id beyond
     * the unsigned 64-bit range reads as -1, which no connection has.
     */
    public static KillTarget killTarget(byte[] sql) {
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, 0, sql.length);
        lx.next();
        if (!lx.is(Keyword.KILL)) {
            return null;
        }
        lx.next();
        if (isWord(lx, "HARD") || isWord(lx, "SOFT")) {
            lx.next();
        }
        boolean query = isWord(lx, "QUERY");
        if (query || isWord(lx, "CONNECTION")) {
            lx.next();
        }
        if (lx.type() != SqlLexer.WORD) {
            return null;
        }
        String id = lx.text();
        lx.next();
        if (!lx.atStatementEnd() || !id.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        long value;
        try {
            value = Long.parseUnsignedLong(id);
        } catch (NumberFormatException e) {
            value = -1;
        }
        return new KillTarget(value, query);
    }

    /** Whether {@code sql}, a SHOW [FULL] PROCESSLIST, says FULL: Info then shows whole statements. */
    public static boolean fullProcessList(byte[] sql) {
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, 0, sql.length);
        lx.next();
        lx.next();
        return lx.is(Keyword.FULL);
    }

    /**
     * The value of {@code SET [SESSION | @@SESSION. | @@] name = value} when that is the whole
     * statement (name in any letter case), or null.
     */
    public static String proxySetting(byte[] sql, String name) {
        if (!containsIgnoreCase(sql, name)) {
            return null;
        }
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, 0, sql.length);
        lx.next();
        if (!lx.is(Keyword.SET)) {
            return null;
        }
        lx.next();
        if (lx.type() == SqlLexer.SYSTEM_VARIABLE) {
            lx.next();
            if (lx.is(Keyword.SESSION)) {
                lx.next();
                if (!lx.isPunct('.')) {
                    return null;
                }
                lx.next();
            }
        } else if (lx.is(Keyword.SESSION)) {
            lx.next();
        }
        if (lx.type() != SqlLexer.WORD || !lx.text().equalsIgnoreCase(name)) {
            return null;
        }
        lx.next();
        if (!lx.isPunct('=') && lx.type() != SqlLexer.ASSIGN) {
            return null;
        }
        int type = lx.next();
        if (type != SqlLexer.WORD && type != SqlLexer.STRING) {
            return null;
        }
        String value = lx.text();
        lx.next();
        return lx.atStatementEnd() ? value.toLowerCase(Locale.ROOT) : null;
    }

    private static boolean constant(SqlLexer lx) {
        if (lx.isPunct('-') || lx.isPunct('+')) {
            lx.next();
        }
        if (lx.type() == SqlLexer.WORD) {
            String word = lx.text();
            if (word.startsWith("_") && !word.equals("_")) {
                // A character set introducer: _utf8mb4'text'.
                lx.next();
                if (lx.type() != SqlLexer.STRING) {
                    return false;
                }
            } else if (!Character.isDigit(word.charAt(0))
                    && !word.equalsIgnoreCase("NULL")
                    && !word.equalsIgnoreCase("TRUE")
                    && !word.equalsIgnoreCase("FALSE")) {
                return false;
            }
        } else if (lx.type() != SqlLexer.STRING) {
            return false;
        }
        lx.next();
        // A decimal such as 1.5 lexes as 1 . 5.
        if (lx.isPunct('.')) {
            lx.next();
            if (lx.type() == SqlLexer.WORD && Character.isDigit(lx.text().charAt(0))) {
                lx.next();
            } else {
                return false;
            }
        }
        return lx.isPunct(',') || lx.atStatementEnd();
    }

    private static boolean isWord(SqlLexer lx, String word) {
        return lx.type() == SqlLexer.WORD && lx.text().equalsIgnoreCase(word);
    }

    private static void skipExpression(SqlLexer lx) {
        int depth = 0;
        while (!lx.atStatementEnd()) {
            if (lx.isPunct('(')) {
                depth++;
            } else if (lx.isPunct(')')) {
                depth--;
            } else if (depth == 0 && lx.isPunct(',')) {
                return;
            }
            lx.next();
        }
    }

    /** Whether {@code text} holds {@code word} anywhere, in any letter case (also in strings and comments). */
    public static boolean containsIgnoreCase(byte[] text, String word) {
        byte[] needle = word.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + needle.length <= text.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                int b = text[i + j];
                if (b >= 'A' && b <= 'Z') {
                    b += 'a' - 'A';
                }
                if (b != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}

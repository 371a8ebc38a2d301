package io.mysqlproxy.core.classify;

import java.util.List;
import java.util.Locale;

/**
 * The options of {@code SHOW PROXY QUERIES [ORDER BY column [ASC | DESC]] [LIMIT n]}: the column to sort on
 * (one of {@link #ORDERS}), the direction (descending unless ASC) and how many rows at most; or, when they
 * do not read, {@link #error()}. Without options: the {@value #DEFAULT_LIMIT} digests with the most total time.
 */
public record QueryListing(String order, boolean descending, int limit, String error) {

    public static final List<String> ORDERS =
            List.of("calls", "total_time", "avg_time", "max_time", "rows", "errors", "last_seen");
    public static final int DEFAULT_LIMIT = 100;
    static final String USAGE = "SHOW PROXY QUERIES [ORDER BY " + String.join("|", ORDERS) + " [ASC|DESC]] [LIMIT n]";

    /** The options of the SHOW PROXY QUERIES in {@code sql}, which start at {@code from}. */
    public static QueryListing parse(byte[] sql, int from) {
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, from, sql.length - from);
        lx.next();
        return parse(lx);
    }

    /** From the lexer's current token (the first after QUERIES) to the end of the text. */
    static QueryListing parse(SqlLexer lx) {
        String order = "total_time";
        boolean descending = true;
        int limit = DEFAULT_LIMIT;
        if (word(lx, "ORDER")) {
            lx.next();
            if (!word(lx, "BY")) {
                return invalid();
            }
            lx.next();
            if (lx.type() != SqlLexer.WORD || !ORDERS.contains(lx.text().toLowerCase(Locale.ROOT))) {
                return invalid();
            }
            order = lx.text().toLowerCase(Locale.ROOT);
            lx.next();
            if (word(lx, "ASC") || word(lx, "DESC")) {
                descending = word(lx, "DESC");
                lx.next();
            }
        }
        if (word(lx, "LIMIT")) {
            lx.next();
            String digits = lx.type() == SqlLexer.WORD ? lx.text() : "";
            if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return invalid();
            }
            limit = Integer.parseInt(digits);
            lx.next();
        }
        while (lx.isPunct(';')) {
            lx.next();
        }
        return lx.type() == SqlLexer.EOF ? new QueryListing(order, descending, limit, null) : invalid();
    }

    private static boolean word(SqlLexer lx, String upper) {
        return lx.type() == SqlLexer.WORD && lx.text().equalsIgnoreCase(upper);
    }

    private static QueryListing invalid() {
        return new QueryListing(null, true, 0, "Expected " + USAGE);
    }
}

package io.mysqlproxy.core.classify;

import java.util.Locale;

/**
 * What one of the proxy's admin statements (a text classified {@link StatementKind#PROXY_ADMIN})
 * asks for, read with the classifier's lexer: {@code SHOW PROXY BACKENDS}, {@code SHOW PROXY STATS},
 * {@code SHOW PROXY SESSIONS} (each client session and what keeps it on its backend connections),
 * {@code SHOW PROXY HOSTS} (the addresses blocked after failed logins),
 * {@code EXPLAIN ROUTE <statement>}, whose statement starts at {@link #statementStart()},
 * {@code PROXY UNBLOCK HOST 'address'} ({@link #host()}) or {@code PROXY UNBLOCK ALL HOSTS}; or,
 * as {@link Kind#INVALID}, why it cannot be answered ({@link #error()}, for the client). Called only
 * for such texts, so it may allocate.
 */
public record ProxyAdminStatement(Kind kind, int statementStart, String error, String host) {

    public enum Kind {
        SHOW_BACKENDS,
        SHOW_STATS,
        SHOW_SESSIONS,
        SHOW_BLOCKED_HOSTS,
        EXPLAIN_ROUTE,
        UNBLOCK_HOST,
        UNBLOCK_ALL_HOSTS,
        /** SHOW PROXY QUERIES; its options ({@link QueryListing}) start at {@link #statementStart()}. */
        SHOW_QUERIES,
        RESET_QUERIES,
        INVALID
    }

    static final String SUPPORTED =
            "the proxy answers SHOW PROXY BACKENDS, SHOW PROXY STATS, SHOW PROXY SESSIONS, SHOW PROXY HOSTS, "
                    + "EXPLAIN ROUTE <statement>, PROXY UNBLOCK HOST 'address', PROXY UNBLOCK ALL HOSTS, "
                    + QueryListing.USAGE + " and PROXY RESET QUERIES";

    /** Reads {@code sql}, a whole COM_QUERY text. */
    public static ProxyAdminStatement parse(byte[] sql) {
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, 0, sql.length);
        lx.next();
        if (lx.is(Keyword.EXPLAIN)) {
            lx.next();
            if (lx.is(Keyword.ROUTE)) {
                return explainRoute(sql, lx.end());
            }
        } else if (lx.is(Keyword.SHOW)) {
            lx.next();
            if (lx.is(Keyword.PROXY)) {
                lx.next();
                return showProxy(lx);
            }
        } else if (lx.is(Keyword.PROXY)) {
            lx.next();
            return unblock(lx);
        }
        return invalid("Not one of the proxy's admin statements: " + SUPPORTED);
    }

    /** The text after ROUTE, comments and all (its hints count), is the statement; it must not be blank. */
    private static ProxyAdminStatement explainRoute(byte[] sql, int from) {
        for (int i = from; i < sql.length; i++) {
            if ((sql[i] & 0xff) > ' ') {
                return new ProxyAdminStatement(Kind.EXPLAIN_ROUTE, from, null, null);
            }
        }
        return invalid("EXPLAIN ROUTE needs the statement to explain, e.g. EXPLAIN ROUTE SELECT 1");
    }

    private static ProxyAdminStatement showProxy(SqlLexer lx) {
        if (lx.atStatementEnd()) {
            return invalid("SHOW PROXY needs what to show: " + SUPPORTED);
        }
        String what = lx.text();
        Kind kind = switch (what.toUpperCase(Locale.ROOT)) {
            case "BACKENDS" -> Kind.SHOW_BACKENDS;
            case "STATS" -> Kind.SHOW_STATS;
            case "SESSIONS" -> Kind.SHOW_SESSIONS;
            case "HOSTS" -> Kind.SHOW_BLOCKED_HOSTS;
            case "QUERIES" -> Kind.SHOW_QUERIES;
            default -> null;
        };
        if (kind == null || lx.type() != SqlLexer.WORD) {
            return invalid("Unknown statement SHOW PROXY " + what + ": " + SUPPORTED);
        }
        lx.next();
        if (kind == Kind.SHOW_QUERIES) {
            int from = lx.start();
            QueryListing listing = QueryListing.parse(lx);
            return listing.error() != null ? invalid(listing.error()) : new ProxyAdminStatement(kind, from, null, null);
        }
        while (lx.isPunct(';')) {
            lx.next();
        }
        if (lx.type() != SqlLexer.EOF) {
            return invalid("Unexpected '" + lx.text() + "' after SHOW PROXY " + what.toUpperCase(Locale.ROOT)
                    + ", which takes nothing more");
        }
        return new ProxyAdminStatement(kind, -1, null, null);
    }

    /** After PROXY: {@code UNBLOCK HOST 'address'} or {@code UNBLOCK ALL HOSTS}. */
    private static ProxyAdminStatement unblock(SqlLexer lx) {
        String usage = "PROXY UNBLOCK HOST 'address' or PROXY UNBLOCK ALL HOSTS";
        if (word(lx, "RESET")) {
            return resetQueries(lx);
        }
        if (!word(lx, "UNBLOCK")) {
            return invalid("Unknown PROXY statement: " + SUPPORTED);
        }
        lx.next();
        ProxyAdminStatement statement;
        if (word(lx, "HOST")) {
            lx.next();
            if (lx.type() != SqlLexer.STRING || lx.text().isBlank()) {
                return invalid("PROXY UNBLOCK HOST needs the address as a string, e.g. PROXY UNBLOCK HOST '10.0.0.7'");
            }
            statement = new ProxyAdminStatement(
                    Kind.UNBLOCK_HOST, -1, null, lx.text().strip());
        } else if (word(lx, "ALL")) {
            lx.next();
            if (!word(lx, "HOSTS")) {
                return invalid("Expected " + usage);
            }
            statement = new ProxyAdminStatement(Kind.UNBLOCK_ALL_HOSTS, -1, null, null);
        } else {
            return invalid("Expected " + usage);
        }
        lx.next();
        while (lx.isPunct(';')) {
            lx.next();
        }
        return lx.type() == SqlLexer.EOF ? statement : invalid("Unexpected text after " + usage);
    }

    /** After PROXY: {@code RESET QUERIES}. */
    private static ProxyAdminStatement resetQueries(SqlLexer lx) {
        lx.next();
        if (!word(lx, "QUERIES")) {
            return invalid("Expected PROXY RESET QUERIES");
        }
        lx.next();
        while (lx.isPunct(';')) {
            lx.next();
        }
        return lx.type() == SqlLexer.EOF
                ? new ProxyAdminStatement(Kind.RESET_QUERIES, -1, null, null)
                : invalid("Unexpected text after PROXY RESET QUERIES");
    }

    private static boolean word(SqlLexer lx, String upper) {
        return lx.type() == SqlLexer.WORD && lx.text().equalsIgnoreCase(upper);
    }

    private static ProxyAdminStatement invalid(String message) {
        return new ProxyAdminStatement(Kind.INVALID, -1, message, null);
    }
}

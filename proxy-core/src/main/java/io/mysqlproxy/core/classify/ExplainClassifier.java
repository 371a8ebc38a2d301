package io.mysqlproxy.core.classify;

/** EXPLAIN, DESCRIBE and ANALYZE: a read, a write, or the proxy's own EXPLAIN ROUTE. */
final class ExplainClassifier {

    private static final int ASSIGNMENT = StatementFlag.USER_VARIABLE_ASSIGNMENT.bit();

    private ExplainClassifier() {}

    /**
     * EXPLAIN ROUTE stmt is the proxy's own, and stmt (up to the end of the text, ';' and all) its operand;
     * so {@code EXPLAIN route} no longer describes a table named route through the proxy (DESCRIBE route
     * still does). Any other EXPLAIN is the server's.
     */
    static long explain(SqlLexer lx) {
        lx.next();
        if (lx.is(Keyword.ROUTE)) {
            StatementClassifier.skipToTextEnd(lx);
            return PartResult.of(StatementKind.PROXY_ADMIN);
        }
        return explainBody(lx, false);
    }

    /**
     * EXPLAIN / DESCRIBE / DESC. Plain EXPLAIN only plans, so it is a read whatever it explains;
     * EXPLAIN ANALYZE runs the statement, so it takes the explained statement's kind (a write stays a
     * write). Starts at the first token after EXPLAIN (or after MariaDB's ANALYZE).
     */
    static long explainBody(SqlLexer lx, boolean analyzeFirst) {
        boolean analyze = analyzeFirst;
        int flags = 0;
        while (true) {
            Keyword keyword = lx.keyword();
            if (keyword == Keyword.ANALYZE) {
                analyze = true;
                lx.next();
            } else if (keyword == Keyword.EXTENDED || keyword == Keyword.PARTITIONS) {
                lx.next();
            } else if (keyword == Keyword.FORMAT) {
                lx.next();
                if (lx.isPunct('=')) {
                    lx.next();
                }
                if (!lx.atStatementEnd()) {
                    lx.next();
                }
            } else if (keyword == Keyword.INTO) {
                // MySQL 8.1+: EXPLAIN FORMAT=JSON INTO @var ... stores the plan in a user variable.
                flags |= ASSIGNMENT;
                lx.next();
                if (lx.type() == SqlLexer.USER_VARIABLE) {
                    lx.next();
                }
            } else {
                break;
            }
        }
        if (!analyze) {
            return PartResult.of(StatementKind.READ, flags);
        }
        Keyword keyword = lx.keyword();
        boolean explainable = lx.isPunct('(')
                || keyword == Keyword.SELECT
                || keyword == Keyword.WITH
                || keyword == Keyword.TABLE
                || keyword == Keyword.VALUES
                || keyword == Keyword.UPDATE
                || keyword == Keyword.DELETE
                || keyword == Keyword.INSERT
                || keyword == Keyword.REPLACE;
        if (!explainable) {
            return PartResult.of(StatementKind.UNKNOWN);
        }
        long inner = StatementClassifier.dispatch(lx);
        return PartResult.kind(inner) == StatementKind.READ
                ? PartResult.of(StatementKind.READ, PartResult.flags(inner) | flags)
                : PartResult.of(StatementKind.WRITE, flags);
    }

    /** ANALYZE TABLE is maintenance (a write); MariaDB's ANALYZE stmt runs stmt like EXPLAIN ANALYZE. */
    static long analyze(SqlLexer lx) {
        lx.next();
        Keyword keyword = lx.keyword();
        if (keyword == Keyword.TABLE
                || keyword == Keyword.TABLES
                || keyword == Keyword.NO_WRITE_TO_BINLOG
                || keyword == Keyword.LOCAL) {
            return PartResult.of(StatementKind.WRITE);
        }
        return explainBody(lx, true);
    }
}

package io.mysqlproxy.core.classify;

/**
 * Transaction control statements: BEGIN, START TRANSACTION, COMMIT and ROLLBACK with their options.
 * Each method starts at the statement's first keyword and may stop before the statement's end.
 */
final class TransactionClassifier {

    private static final int CONSISTENT_SNAPSHOT = StatementFlag.CONSISTENT_SNAPSHOT.bit();
    private static final int CHAIN = StatementFlag.CHAIN.bit();
    private static final int RELEASE = StatementFlag.RELEASE.bit();

    private TransactionClassifier() {}

    /** START TRANSACTION [characteristic, ...]; START SLAVE / REPLICA / GROUP_REPLICATION are admin writes. */
    static long start(SqlLexer lx) {
        lx.next();
        if (!lx.is(Keyword.TRANSACTION)) {
            return PartResult.of(StatementKind.WRITE);
        }
        boolean readOnly = false;
        int flags = 0;
        Keyword previous = null;
        lx.next();
        while (!lx.atStatementEnd()) {
            Keyword keyword = lx.keyword();
            if (keyword == Keyword.ONLY && previous == Keyword.READ) {
                readOnly = true;
            } else if (keyword == Keyword.CONSISTENT) {
                flags |= CONSISTENT_SNAPSHOT;
            }
            previous = keyword;
            lx.next();
        }
        return PartResult.of(
                readOnly ? StatementKind.TRANSACTION_BEGIN_READ_ONLY : StatementKind.TRANSACTION_BEGIN, flags);
    }

    /** BEGIN [WORK] starts a transaction; MariaDB's BEGIN NOT ATOMIC starts a compound statement. */
    static long begin(SqlLexer lx) {
        lx.next();
        if (lx.atStatementEnd() || lx.is(Keyword.WORK)) {
            return PartResult.of(StatementKind.TRANSACTION_BEGIN);
        }
        if (lx.is(Keyword.NOT)) {
            StatementClassifier.skipToTextEnd(lx);
        }
        return PartResult.of(StatementKind.UNKNOWN);
    }

    /** COMMIT / ROLLBACK [WORK] [AND [NO] CHAIN] [[NO] RELEASE]; ROLLBACK [WORK] TO ... is a savepoint. */
    static long transactionEnd(SqlLexer lx) {
        boolean rollback = lx.is(Keyword.ROLLBACK);
        int flags = 0;
        Keyword previous = null;
        lx.next();
        while (!lx.atStatementEnd()) {
            Keyword keyword = lx.keyword();
            if (rollback && keyword == Keyword.TO) {
                return PartResult.of(StatementKind.SAVEPOINT);
            }
            if (keyword == Keyword.CHAIN && previous == Keyword.AND) {
                flags |= CHAIN;
            } else if (keyword == Keyword.RELEASE && previous != Keyword.NO) {
                flags |= RELEASE;
            }
            previous = keyword;
            lx.next();
        }
        return PartResult.of(StatementKind.TRANSACTION_END, flags);
    }
}

package io.mysqlproxy.core.classify;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Classifies the text of a COM_QUERY or COM_STMT_PREPARE for routing: stateless, thread-safe, and
 * free of allocation for the usual statements (the lexer is reused per thread and flag-free results
 * are shared).
 *
 * <p>A text holding several statements separated by {@code ;} is {@link StatementKind#MULTI}: its
 * flags are the union of the parts' plus {@link StatementFlag#MULTI_NON_READ} when any part is not a
 * replica-safe read and {@link StatementFlag#MULTI_SESSION_STATE} when any part changes session state.
 * The routing hint may sit in any comment and applies to the whole text.
 */
public final class StatementClassifier {

    private static final ThreadLocal<SqlLexer> LEXER = ThreadLocal.withInitial(SqlLexer::new);

    private static final int MALFORMED = StatementFlag.MALFORMED.bit();
    private static final int MULTI_NON_READ = StatementFlag.MULTI_NON_READ.bit();
    private static final int MULTI_SESSION_STATE = StatementFlag.MULTI_SESSION_STATE.bit();
    private static final int DIAGNOSTICS = StatementFlag.DIAGNOSTICS.bit();
    private static final int MULTI_PROXY_ADMIN = StatementFlag.MULTI_PROXY_ADMIN.bit();
    private static final int MULTI_KILL = StatementFlag.MULTI_KILL.bit();
    private static final int CONNECTION_ID = StatementFlag.CONNECTION_ID.bit();

    private StatementClassifier() {}

    /** Classifies {@code sql[offset, offset + length)}, read as UTF-8 or any ASCII-compatible charset. */
    public static Classification classify(byte[] sql, int offset, int length) {
        return classify(sql, offset, length, null);
    }

    /**
     * Classifies {@code sql[offset, offset + length)} and, when {@code digest} is not null, puts the text's
     * {@link StatementDigest} into it: the same pass over the bytes, without allocating.
     */
    public static Classification classify(byte[] sql, int offset, int length, StatementDigest digest) {
        Objects.checkFromIndexSize(offset, length, sql.length);
        SqlLexer lx = LEXER.get();
        DigestScanner scanner = digest == null ? null : lx.digestScanner();
        if (scanner != null) {
            scanner.reset(false);
        }
        lx.reset(sql, offset, length, scanner);
        try {
            Classification classification = classifyText(lx);
            if (digest != null) {
                digest.set(scanner.finish());
            }
            return classification;
        } finally {
            lx.release();
        }
    }

    /** Convenience for tests and admin statements: encodes {@code sql} as UTF-8 first. */
    public static Classification classify(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        return classify(bytes, 0, bytes.length);
    }

    private static Classification classifyText(SqlLexer lx) {
        int parts = 0;
        long first = 0;
        int union = 0;
        lx.next();
        while (lx.type() != SqlLexer.EOF) {
            if (lx.isPunct(';')) {
                lx.next();
                continue;
            }
            long part = dispatch(lx);
            skipToStatementEnd(lx);
            StatementKind kind = PartResult.kind(part);
            int flags = PartResult.flags(part);
            if (parts++ == 0) {
                first = part;
            }
            union |= flags;
            if (kind != StatementKind.READ || (flags & StatementFlag.PRIMARY_REQUIRED_MASK) != 0) {
                union |= MULTI_NON_READ;
            }
            if (kind.changesSessionState()) {
                union |= MULTI_SESSION_STATE;
            }
            if (kind == StatementKind.PROXY_ADMIN) {
                union |= MULTI_PROXY_ADMIN;
            } else if (kind == StatementKind.KILL) {
                union |= MULTI_KILL;
            }
        }
        // Flags of the whole text rather than of one statement.
        int textFlags = (lx.malformed() ? MALFORMED : 0) | (lx.sawConnectionIdName() ? CONNECTION_ID : 0);
        RouteHint hint = hint(lx.hints());
        if (parts == 0) {
            return Classification.of(StatementKind.EMPTY, textFlags, hint);
        }
        if (parts == 1) {
            return Classification.of(PartResult.kind(first), PartResult.flags(first) | textFlags, hint);
        }
        return Classification.of(StatementKind.MULTI, union | textFlags, hint);
    }

    private static RouteHint hint(int hints) {
        if ((hints & SqlLexer.HINT_PRIMARY) != 0) {
            return RouteHint.PRIMARY;
        }
        return (hints & SqlLexer.HINT_REPLICA) != 0 ? RouteHint.REPLICA : RouteHint.NONE;
    }

    /**
     * Classifies the statement starting at the current token by its leading keywords. May stop before
     * the statement's end; the caller skips the rest.
     */
    static long dispatch(SqlLexer lx) {
        if (lx.isPunct('(')) {
            return parenthesised(lx);
        }
        Keyword keyword = lx.keyword();
        if (keyword == null) {
            return PartResult.of(StatementKind.UNKNOWN);
        }
        return switch (keyword) {
            case SELECT, TABLE, VALUES, DO -> QueryScanner.scan(lx, false);
            case WITH -> QueryScanner.scan(lx, true);
            case SHOW -> show(lx);
            case DESCRIBE, DESC -> {
                lx.next();
                yield ExplainClassifier.explainBody(lx, false);
            }
            case EXPLAIN -> ExplainClassifier.explain(lx);
            case ANALYZE -> ExplainClassifier.analyze(lx);
            case HELP, CHECKSUM -> PartResult.of(StatementKind.READ);
            case GET -> getDiagnostics(lx);
            case INSERT,
                    REPLACE,
                    UPDATE,
                    DELETE,
                    LOAD,
                    HANDLER,
                    RESET,
                    PURGE,
                    CHANGE,
                    STOP,
                    OPTIMIZE,
                    REPAIR,
                    CHECK,
                    INSTALL,
                    UNINSTALL,
                    BINLOG,
                    CACHE,
                    SHUTDOWN,
                    RESTART,
                    CLONE -> PartResult.of(StatementKind.WRITE);
            case ALTER, RENAME, TRUNCATE, GRANT, REVOKE, IMPORT -> PartResult.of(StatementKind.DDL);
            case CREATE -> create(lx);
            case DROP -> drop(lx);
            case FLUSH -> flush(lx);
            case START -> TransactionClassifier.start(lx);
            case BEGIN -> TransactionClassifier.begin(lx);
            case COMMIT, ROLLBACK -> TransactionClassifier.transactionEnd(lx);
            case SAVEPOINT -> PartResult.of(StatementKind.SAVEPOINT);
            case RELEASE -> nextIs(lx, Keyword.SAVEPOINT, StatementKind.SAVEPOINT, StatementKind.UNKNOWN);
            case XA -> PartResult.of(StatementKind.XA);
            case SET -> SetStatementClassifier.classify(lx);
            case USE -> PartResult.of(StatementKind.USE);
            case LOCK -> nextIsTable(lx, StatementKind.LOCK_TABLES);
            case UNLOCK -> nextIsTable(lx, StatementKind.UNLOCK_TABLES);
            case CALL -> PartResult.of(StatementKind.CALL);
            case KILL -> PartResult.of(StatementKind.KILL);
            case PREPARE -> PartResult.of(StatementKind.PREPARE_SQL);
            case EXECUTE -> PartResult.of(StatementKind.EXECUTE_SQL);
            case DEALLOCATE -> PartResult.of(StatementKind.DEALLOCATE_SQL);
            case PROXY -> PartResult.of(StatementKind.PROXY_ADMIN); // PROXY UNBLOCK ...: no server statement starts so
            default -> PartResult.of(StatementKind.UNKNOWN);
        };
    }

    static void skipToStatementEnd(SqlLexer lx) {
        while (!lx.atStatementEnd()) {
            lx.next();
        }
    }

    /** Compound bodies (stored programs, BEGIN NOT ATOMIC) contain ';' that do not end the statement. */
    static void skipToTextEnd(SqlLexer lx) {
        while (lx.type() != SqlLexer.EOF) {
            lx.next();
        }
    }

    /** {@code (SELECT ...) UNION (SELECT ...)} and friends. */
    private static long parenthesised(SqlLexer lx) {
        while (lx.isPunct('(')) {
            lx.next();
        }
        Keyword keyword = lx.keyword();
        if (keyword == Keyword.SELECT
                || keyword == Keyword.WITH
                || keyword == Keyword.TABLE
                || keyword == Keyword.VALUES) {
            return QueryScanner.scan(lx, keyword == Keyword.WITH);
        }
        return PartResult.of(StatementKind.UNKNOWN);
    }

    /**
     * SHOW WARNINGS / ERRORS (and SHOW COUNT(*) ...) describe the previous statement; SHOW PROXY ... and SHOW
     * [FULL] PROCESSLIST are the proxy's own; other SHOWs are reads.
     */
    private static long show(SqlLexer lx) {
        lx.next();
        if (lx.is(Keyword.PROXY)) {
            return PartResult.of(StatementKind.PROXY_ADMIN);
        }
        if (lx.is(Keyword.FULL)) {
            lx.next();
            if (lx.is(Keyword.PROCESSLIST)) {
                return processList(lx);
            }
        } else if (lx.is(Keyword.PROCESSLIST)) {
            return processList(lx);
        }
        if (lx.is(Keyword.COUNT)) {
            while (!lx.atStatementEnd() && !lx.is(Keyword.WARNINGS) && !lx.is(Keyword.ERRORS)) {
                lx.next();
            }
        }
        boolean diagnostics = lx.is(Keyword.WARNINGS) || lx.is(Keyword.ERRORS);
        return PartResult.of(StatementKind.READ, diagnostics ? DIAGNOSTICS : 0);
    }

    /** SHOW [FULL] PROCESSLIST alone is the proxy's; anything after it is not MySQL's syntax, so the server says so. */
    private static long processList(SqlLexer lx) {
        lx.next();
        return PartResult.of(lx.atStatementEnd() ? StatementKind.SHOW_PROCESSLIST : StatementKind.READ);
    }

    private static long getDiagnostics(SqlLexer lx) {
        lx.next();
        if (lx.is(Keyword.CURRENT) || lx.is(Keyword.STACKED)) {
            lx.next();
        }
        return lx.is(Keyword.DIAGNOSTICS)
                ? PartResult.of(StatementKind.READ, DIAGNOSTICS)
                : PartResult.of(StatementKind.UNKNOWN);
    }

    /** CREATE TEMPORARY TABLE is its own kind; stored programs with a BEGIN body run to the end of text. */
    private static long create(SqlLexer lx) {
        boolean temporary = false;
        lx.next();
        while (!lx.atStatementEnd()) {
            Keyword keyword = lx.keyword();
            if (keyword != null) {
                switch (keyword) {
                    case TEMPORARY -> temporary = true;
                    case TABLE -> {
                        return PartResult.of(temporary ? StatementKind.CREATE_TEMPORARY_TABLE : StatementKind.DDL);
                    }
                    case PROCEDURE, FUNCTION, TRIGGER, EVENT -> {
                        skipRoutine(lx);
                        return PartResult.of(StatementKind.DDL);
                    }
                    case VIEW, INDEX, DATABASE, SCHEMA, USER, ROLE, SEQUENCE -> {
                        return PartResult.of(StatementKind.DDL);
                    }
                    default -> {}
                }
            }
            lx.next();
        }
        return PartResult.of(StatementKind.DDL);
    }

    /** A routine whose body is a BEGIN ... END block owns every ';' up to the end of the text. */
    private static void skipRoutine(SqlLexer lx) {
        while (!lx.atStatementEnd()) {
            if (lx.is(Keyword.BEGIN)) {
                skipToTextEnd(lx);
                return;
            }
            lx.next();
        }
    }

    private static long drop(SqlLexer lx) {
        lx.next();
        if (lx.is(Keyword.TEMPORARY)) {
            return PartResult.of(StatementKind.DROP_TEMPORARY_TABLE);
        }
        return PartResult.of(lx.is(Keyword.PREPARE) ? StatementKind.DEALLOCATE_SQL : StatementKind.DDL);
    }

    /** FLUSH TABLES [t, ...] WITH READ LOCK and FLUSH TABLES t FOR EXPORT lock; other FLUSHes are admin writes. */
    private static long flush(SqlLexer lx) {
        boolean tables = false;
        Keyword previous = null;
        lx.next();
        while (!lx.atStatementEnd()) {
            Keyword keyword = lx.keyword();
            if (keyword == Keyword.TABLE || keyword == Keyword.TABLES) {
                tables = true;
            } else if (tables && keyword == Keyword.READ && previous == Keyword.WITH) {
                return PartResult.of(StatementKind.FLUSH_TABLES_WITH_READ_LOCK);
            } else if (tables && keyword == Keyword.EXPORT && previous == Keyword.FOR) {
                return PartResult.of(StatementKind.LOCK_TABLES);
            }
            previous = keyword;
            lx.next();
        }
        return PartResult.of(StatementKind.WRITE);
    }

    private static long nextIs(SqlLexer lx, Keyword expected, StatementKind then, StatementKind otherwise) {
        lx.next();
        return PartResult.of(lx.is(expected) ? then : otherwise);
    }

    /** LOCK / UNLOCK TABLE(S) versus LOCK / UNLOCK INSTANCE (backup locks, an admin write). */
    private static long nextIsTable(SqlLexer lx, StatementKind tables) {
        lx.next();
        return PartResult.of(lx.is(Keyword.TABLE) || lx.is(Keyword.TABLES) ? tables : StatementKind.WRITE);
    }
}

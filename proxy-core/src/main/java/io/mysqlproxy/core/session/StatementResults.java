package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.StatementFlag;
import io.mysqlproxy.core.classify.StatementKind;
import io.mysqlproxy.protocol.flag.CommandType;

/**
 * Under transaction multiplexing, what the session's last statement left on its connection that the
 * client may still ask for, and what the proxy saw of it. Warnings or an error (SHOW WARNINGS,
 * SHOW ERRORS, GET DIAGNOSTICS, @@warning_count) and SQL_CALC_FOUND_ROWS's count (FOUND_ROWS()) hold
 * the connection until the next statement has run there. ROW_COUNT() and FOUND_ROWS() otherwise are
 * answered from what the proxy saw ({@link io.mysqlproxy.core.classify.PreviousResultRewrite}): the last
 * OK's affected rows (-1 after a result set or an error), the rows of the last result set; before any
 * statement (and after a reset) a fresh connection's -1 and 0, not another session's values.
 */
final class StatementResults {

    private boolean pendingDiagnostics;
    private String diagnosticsCause;
    private boolean calcFoundRows;
    private long rowCount = -1;
    private long foundRows;

    /** A command finished on {@code connection}: re-evaluates what it holds. */
    void after(Classification c, CommandType type, String cause, BackendConnection connection, boolean failed) {
        if (c != null && c.has(StatementFlag.DIAGNOSTICS)) {
            // SHOW WARNINGS and GET DIAGNOSTICS read the diagnostics without clearing them: what held, holds.
            return;
        }
        pendingDiagnostics = failed || connection.lastWarnings() > 0;
        diagnosticsCause = cause;
        this.calcFoundRows = !failed && calcFoundRows(c, type);
        if (failed || connection.lastResultSet()) {
            rowCount = -1;
        } else {
            rowCount = connection.lastAffectedRows();
        }
        if (!failed && connection.lastResultSet()) {
            foundRows = connection.lastRows();
        }
    }

    /** A read, as text or prepared, whose LIMIT-less count FOUND_ROWS() returns next. */
    private static boolean calcFoundRows(Classification c, CommandType type) {
        return c != null
                && c.kind() == StatementKind.READ
                && c.has(StatementFlag.CALC_FOUND_ROWS)
                && (type == CommandType.QUERY || type == CommandType.STMT_EXECUTE);
    }

    /** What holds the connection: {@link HoldReason#PENDING_WARNINGS} and {@link HoldReason#FOUND_ROWS}, as bits. */
    long holdBits() {
        return (pendingDiagnostics ? HoldReason.PENDING_WARNINGS.bit() : 0)
                | (calcFoundRows ? HoldReason.FOUND_ROWS.bit() : 0);
    }

    /** The statement kind whose warnings or error are pending. */
    String diagnosticsCause() {
        return diagnosticsCause;
    }

    boolean holdsNothing() {
        return !pendingDiagnostics && !calcFoundRows;
    }

    /**
     * The session was idle for return-after-idle: what the last statement left no longer holds its
     * connection. FOUND_ROWS() after that is answered with the rows the proxy saw (the LIMITed count).
     */
    void expire() {
        pendingDiagnostics = false;
        calcFoundRows = false;
    }

    long rowCount() {
        return rowCount;
    }

    long foundRows() {
        return foundRows;
    }

    /** The session starts over (reset, change of user): nothing pending, values as on a new connection. */
    void reset() {
        pendingDiagnostics = false;
        calcFoundRows = false;
        rowCount = -1;
        foundRows = 0;
    }
}

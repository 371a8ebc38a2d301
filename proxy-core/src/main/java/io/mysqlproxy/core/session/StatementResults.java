package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.StatementFlag;

import java.util.List;

/**
 * Under transaction multiplexing, what the session's last statement left on its connection that the
 * client may still ask for, and what the proxy saw of it. Warnings or an error (SHOW WARNINGS,
 * SHOW ERRORS, GET DIAGNOSTICS, @@warning_count) and SQL_CALC_FOUND_ROWS's count (FOUND_ROWS()) hold
 * the connection until the next statement has run there. ROW_COUNT() and FOUND_ROWS() otherwise are
 * answered from what the proxy saw ({@link io.mysqlproxy.core.classify.PreviousResultRewrite}): the last
 * OK's affected rows (-1 after a result set or an error), the rows of the last result set.
 */
final class StatementResults {

    private boolean pendingDiagnostics;
    private String diagnosticsCause;
    private boolean calcFoundRows;
    /** Whether a statement was seen, so ROW_COUNT() and FOUND_ROWS() have values of the proxy's. */
    private boolean seen;

    private long rowCount = -1;
    private long foundRows;

    /** A command finished on {@code connection}: re-evaluates what it holds. */
    void after(Classification c, boolean calcFoundRows, String cause, BackendConnection connection, boolean failed) {
        if (c != null && c.has(StatementFlag.DIAGNOSTICS)) {
            // SHOW WARNINGS and GET DIAGNOSTICS read the diagnostics without clearing them: what held, holds.
            return;
        }
        pendingDiagnostics = failed || connection.lastWarnings() > 0;
        diagnosticsCause = cause;
        this.calcFoundRows = !failed && calcFoundRows;
        seen = true;
        if (failed || connection.lastResultSet()) {
            rowCount = -1;
        } else {
            rowCount = connection.lastAffectedRows();
        }
        if (!failed && connection.lastResultSet()) {
            foundRows = connection.lastRows();
        }
    }

    /** Adds what holds the connection to {@code holds}. */
    void holds(List<Hold> holds) {
        if (pendingDiagnostics) {
            holds.add(new Hold(HoldReason.PENDING_WARNINGS, diagnosticsCause));
        }
        if (calcFoundRows) {
            holds.add(new Hold(HoldReason.FOUND_ROWS, "sql_calc_found_rows"));
        }
    }

    boolean holdsNothing() {
        return !pendingDiagnostics && !calcFoundRows;
    }

    /** Whether ROW_COUNT() and FOUND_ROWS() can be answered with the proxy's values. */
    boolean known() {
        return seen;
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
        seen = false;
        rowCount = -1;
        foundRows = 0;
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.route.Pin;

/**
 * The statement kinds that caused what keeps a session on its connections, as SHOW PROXY SESSIONS and the
 * pin log show them: what opened its transaction, turned autocommit off ({@code login} or {@code
 * change_user} when the server's own default or init_connect did) and left state on the primary that the
 * proxy cannot see. The other reasons keep their causes where they are set (pins, statement results).
 */
final class HoldCauses {

    private String transaction;
    private String autocommit;
    private String unseenState;

    void transactionOpenedBy(String cause) {
        transaction = cause;
    }

    void autocommitOffBy(String cause) {
        autocommit = cause;
    }

    void unseenStateLeftBy(String cause) {
        unseenState = cause;
    }

    /** The session starts over (reset, change of user): nothing it held before has a cause any more. */
    void clear() {
        transaction = null;
        autocommit = null;
        unseenState = null;
    }

    /** What caused {@code reason}, which the session holds now. */
    String of(HoldReason reason, SessionState state, StatementResults results) {
        return switch (reason) {
            case TRANSACTION -> transaction;
            case AUTOCOMMIT_OFF -> autocommit;
            case NEXT_TRANSACTION_SETTINGS -> "set_transaction";
            case PROCEDURE_STATE -> unseenState;
            case OPEN_CURSOR -> "stmt_execute";
            case LONG_DATA -> "stmt_send_long_data";
            case PENDING_WARNINGS -> results.diagnosticsCause();
            case FOUND_ROWS -> "sql_calc_found_rows";
            default -> pinCause(reason, state);
        };
    }

    private static String pinCause(HoldReason reason, SessionState state) {
        for (Pin pin : Pin.values()) {
            if (HoldReason.of(pin) == reason) {
                return state.pinCause(pin);
            }
        }
        return null;
    }
}

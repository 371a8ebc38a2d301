package io.mysqlproxy.core.session;

import io.mysqlproxy.core.route.Pin;

/**
 * Why a session keeps a backend connection instead of giving it back at a transaction boundary. The
 * labels are what SHOW PROXY SESSIONS, /sessions and {@code mysqlproxy_session_pins_total{reason}} show.
 */
public enum HoldReason {
    TRANSACTION("transaction"),
    AUTOCOMMIT_OFF("autocommit_off"),
    LOCK_TABLES("lock_tables"),
    GLOBAL_READ_LOCK("global_read_lock"),
    NAMED_LOCK("named_lock"),
    TEMPORARY_TABLE("temporary_table"),
    SQL_PREPARE("sql_prepare"),
    USER_VARIABLE("user_variable"),
    MULTI_STATEMENT("multi_statement"),
    SESSION_STATE_SIZE("session_state_size"),
    PREPARED_SESSION_STATE("prepared_session_state"),
    /** A one-shot SET TRANSACTION waits for the next transaction on the connection it ran on. */
    NEXT_TRANSACTION_SETTINGS("next_transaction_settings"),
    /** A CALL may have left temporary tables, user variables or locks the proxy cannot see. */
    PROCEDURE_STATE("procedure_state"),
    /** A prepared statement's open cursor (COM_STMT_FETCH reads it) or its long data. */
    OPEN_CURSOR("open_cursor"),
    LONG_DATA("long_data"),
    /**
     * Transaction multiplexing: the last statement ended with warnings or an error, which SHOW WARNINGS
     * (and @@warning_count, GET DIAGNOSTICS) reads on that connection until the next statement runs there.
     */
    PENDING_WARNINGS("pending_warnings"),
    /** Transaction multiplexing: FOUND_ROWS() after SQL_CALC_FOUND_ROWS is the server's count on that connection. */
    FOUND_ROWS("found_rows");

    private final String label;

    HoldReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The reason a routing pin keeps the session's primary connection. */
    public static HoldReason of(Pin pin) {
        return switch (pin) {
            case LOCK_TABLES -> LOCK_TABLES;
            case GLOBAL_READ_LOCK -> GLOBAL_READ_LOCK;
            case NAMED_LOCK -> NAMED_LOCK;
            case TEMPORARY_TABLE -> TEMPORARY_TABLE;
            case SQL_PREPARE -> SQL_PREPARE;
            case USER_VARIABLE -> USER_VARIABLE;
            case MULTI_STATEMENT -> MULTI_STATEMENT;
            case SESSION_STATE_SIZE -> SESSION_STATE_SIZE;
            case PREPARED_SESSION_STATE -> PREPARED_SESSION_STATE;
        };
    }
}

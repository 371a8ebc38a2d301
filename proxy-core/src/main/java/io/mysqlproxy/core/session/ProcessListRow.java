package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.SecretStatement;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.TextRow;

import java.util.concurrent.TimeUnit;

/**
 * One session as SHOW PROCESSLIST lists it, in MySQL's columns: its proxy connection id, user, client
 * address, current schema, what it is doing and for how many seconds, and the statement it runs. Made on
 * the session's event loop, read on the one answering.
 *
 * @param info the statement in flight as far as the proxy keeps its text, or null (also for a text that may
 *     carry a password: admin users see every session's row)
 */
record ProcessListRow(
        long id, String user, String host, String db, String command, long seconds, String state, String info) {

    /** MySQL truncates Info to this many characters without FULL. */
    static final int SHORT_INFO = 100;

    /**
     * The row of a session serving {@code current} (null when idle) since {@code sinceNanos} ago, with
     * {@code text} the statement in flight or null.
     */
    static ProcessListRow of(SessionInfo session, String db, Command current, long sinceNanos, String text) {
        return new ProcessListRow(
                session.connectionId(),
                session.user(),
                session.remote(),
                db,
                current == null ? "Sleep" : commandName(current.type()),
                TimeUnit.NANOSECONDS.toSeconds(Math.max(0, sinceNanos)),
                current == null ? "" : "executing",
                current == null || text == null || SecretStatement.mayHoldPassword(text) ? null : text);
    }

    /** The row as SHOW PROCESSLIST sends it; {@code full} keeps Info whole. */
    TextRow toTextRow(boolean full) {
        String shown = info == null || full || info.length() <= SHORT_INFO ? info : info.substring(0, SHORT_INFO);
        return TextRow.of(Long.toUnsignedString(id), user, host, db, command, Long.toString(seconds), state, shown);
    }

    /** The Command column: the names MySQL gives its commands (sql/sql_parse.cc, command_name). */
    private static String commandName(CommandType type) {
        return switch (type) {
            case QUERY -> "Query";
            case INIT_DB -> "Init DB";
            case FIELD_LIST -> "Field List";
            case STATISTICS -> "Statistics";
            case PROCESS_KILL -> "Processkill";
            case PING -> "Ping";
            case CHANGE_USER -> "Change user";
            case STMT_PREPARE -> "Prepare";
            case STMT_EXECUTE -> "Execute";
            case STMT_SEND_LONG_DATA -> "Long Data";
            case STMT_CLOSE -> "Close stmt";
            case STMT_RESET -> "Reset stmt";
            case SET_OPTION -> "Set option";
            case STMT_FETCH -> "Fetch";
            case RESET_CONNECTION -> "Reset Connection";
            default -> "Query";
        };
    }
}

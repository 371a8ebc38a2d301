package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.packet.ErrPacket;
import org.slf4j.Logger;

/**
 * How an ERR shows in a log line. A server's error message may quote data (a duplicate key's value, a value
 * that does not convert, the statement near a syntax error), and statement text is logged only at DEBUG: so a
 * line names an ERR by its code and SQLSTATE, and carries the message only while the logger that writes the
 * line is at DEBUG.
 */
public final class ErrorLogText {

    private ErrorLogText() {}

    /** {@code error 1062 (23000)}, with {@code : message} after it when {@code log} is at DEBUG. */
    public static String of(ErrPacket error, Logger log) {
        String code = codeAndState(error);
        return log.isDebugEnabled() ? code + ": " + error.message() : code;
    }

    /**
     * A failure to get or use a backend: a {@link BackendException} by its ERR as {@link #of(ErrPacket, Logger)}
     * shows it, then its Java cause (a refused connection, a timeout), which quotes nothing of the server's;
     * anything else as it is.
     */
    public static String of(Throwable failure, Logger log) {
        if (failure instanceof BackendException backend) {
            String error = of(backend.error(), log);
            return backend.getCause() == null ? error : error + ", " + backend.getCause();
        }
        return String.valueOf(failure);
    }

    private static String codeAndState(ErrPacket error) {
        return "error " + error.errorCode() + (error.sqlState() == null ? "" : " (" + error.sqlState() + ")");
    }
}

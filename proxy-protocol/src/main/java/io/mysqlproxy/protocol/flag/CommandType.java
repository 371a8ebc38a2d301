package io.mysqlproxy.protocol.flag;

/**
 * Command-phase command bytes, with what the server sends back, so that one switch in the
 * response tracker knows how a response ends.
 */
public enum CommandType {
    SLEEP(0x00, Response.NOT_SUPPORTED),
    QUIT(0x01, Response.NONE),
    INIT_DB(0x02, Response.OK_OR_ERR),
    QUERY(0x03, Response.RESULT_SET),
    FIELD_LIST(0x04, Response.FIELD_LIST),
    CREATE_DB(0x05, Response.OK_OR_ERR),
    DROP_DB(0x06, Response.OK_OR_ERR),
    REFRESH(0x07, Response.OK_OR_ERR),
    SHUTDOWN(0x08, Response.OK_OR_ERR),
    STATISTICS(0x09, Response.SINGLE_PACKET),
    PROCESS_INFO(0x0a, Response.RESULT_SET),
    CONNECT(0x0b, Response.NOT_SUPPORTED),
    PROCESS_KILL(0x0c, Response.OK_OR_ERR),
    DEBUG(0x0d, Response.OK_OR_ERR),
    PING(0x0e, Response.OK_OR_ERR),
    TIME(0x0f, Response.NOT_SUPPORTED),
    DELAYED_INSERT(0x10, Response.NOT_SUPPORTED),
    CHANGE_USER(0x11, Response.AUTHENTICATION),
    BINLOG_DUMP(0x12, Response.NOT_SUPPORTED),
    TABLE_DUMP(0x13, Response.NOT_SUPPORTED),
    CONNECT_OUT(0x14, Response.NOT_SUPPORTED),
    REGISTER_SLAVE(0x15, Response.NOT_SUPPORTED),
    STMT_PREPARE(0x16, Response.PREPARE),
    STMT_EXECUTE(0x17, Response.RESULT_SET),
    STMT_SEND_LONG_DATA(0x18, Response.NONE),
    STMT_CLOSE(0x19, Response.NONE),
    STMT_RESET(0x1a, Response.OK_OR_ERR),
    SET_OPTION(0x1b, Response.OK_OR_ERR),
    STMT_FETCH(0x1c, Response.ROWS),
    DAEMON(0x1d, Response.NOT_SUPPORTED),
    BINLOG_DUMP_GTID(0x1e, Response.NOT_SUPPORTED),
    RESET_CONNECTION(0x1f, Response.OK_OR_ERR);

    /** The shape of the server's answer to a command. */
    public enum Response {
        /** No answer at all (COM_QUIT, COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA). */
        NONE,
        /** One OK, EOF or ERR packet. */
        OK_OR_ERR,
        /** One packet of free text, or ERR (COM_STATISTICS). */
        SINGLE_PACKET,
        /** OK, ERR, LOCAL INFILE request, or result sets, possibly several. */
        RESULT_SET,
        /** Column definitions up to EOF, or ERR (COM_FIELD_LIST). */
        FIELD_LIST,
        /** Prepare OK followed by parameter and column definitions, or ERR. */
        PREPARE,
        /** Rows up to EOF, or ERR (COM_STMT_FETCH). */
        ROWS,
        /** An authentication exchange (COM_CHANGE_USER), handled by the session itself. */
        AUTHENTICATION,
        /** Commands a proxy must refuse: replication, obsolete and internal ones. */
        NOT_SUPPORTED
    }

    private static final CommandType[] BY_CODE = new CommandType[256];

    static {
        for (CommandType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;
    private final Response response;

    CommandType(int code, Response response) {
        this.code = code;
        this.response = response;
    }

    public int code() {
        return code;
    }

    public Response response() {
        return response;
    }

    /** The command for a command byte, or {@code null} for a byte no server knows. */
    public static CommandType of(int code) {
        return BY_CODE[code & 0xff];
    }
}

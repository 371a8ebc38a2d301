package io.mysqlproxy.protocol.result;

import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.Packets;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * Follows a server's response to one command, packet by packet, from packet headers and the
 * first bytes of each payload only: rows are never decoded. It tells when the response is
 * complete, when the server asks for a LOCAL INFILE upload, and the last status flags it saw.
 *
 * <p>The ambiguous first bytes are decided here and only here: 0xFE is an EOF (payload under
 * 9 bytes) or, under DEPRECATE_EOF, an OK ending a result set (payload under 16 MiB - 1), and
 * otherwise a row whose first column is 16 MiB or more; 0xFB is a LOCAL INFILE request as the
 * first packet of a COM_QUERY response and NULL inside a row; 0x00 starts an OK packet only as
 * the first packet of a response, and a binary row otherwise.
 *
 * <p>One instance per backend connection, used on its event loop only.
 */
public final class ResponseTracker {

    /** How many payload bytes {@link #onPacket} needs to classify any packet. */
    public static final int PEEK_BYTES = 32;

    /** What the caller should do after a packet. */
    public enum Progress {
        /** More packets belong to this response. */
        MORE,
        /** The response is complete. */
        DONE,
        /** The server asked for a file: the client's upload follows, then the rest of the response. */
        LOCAL_INFILE
    }

    private enum State {
        IDLE,
        FIRST,
        COLUMNS,
        COLUMNS_EOF,
        ROWS,
        PREPARE_FIRST,
        PREPARE_PARAMS,
        PREPARE_PARAMS_EOF,
        PREPARE_COLUMNS,
        PREPARE_COLUMNS_EOF,
        FIELD_LIST,
        SINGLE
    }

    private final boolean deprecateEof;
    private State state = State.IDLE;
    private boolean binary;
    private boolean continuation;
    private long remaining;
    private int preparedColumns;
    private int status;
    private boolean failed;
    /** Row packets of the current response, counted from their first byte only (never decoded), over all its result sets. */
    private long responseRows;

    /** Of the last OK or EOF: its warning count; of an OK: affected rows; the last non-zero insert id of the response. */
    private int warnings;

    private long affectedRows;
    private long insertId;
    /** Rows of the last result set, and whether the last result was one (not an OK). */
    private long rows;

    private boolean resultSet;

    public ResponseTracker(boolean deprecateEof) {
        this.deprecateEof = deprecateEof;
    }

    /** Starts following the response to {@code command}; returns false when the command has none. */
    public boolean begin(CommandType command) {
        continuation = false;
        failed = false;
        responseRows = 0;
        warnings = 0;
        affectedRows = 0;
        insertId = 0;
        rows = 0;
        resultSet = false;
        binary = command == CommandType.STMT_EXECUTE || command == CommandType.STMT_FETCH;
        state = switch (command.response()) {
            case RESULT_SET -> State.FIRST;
            case ROWS -> State.ROWS;
            case PREPARE -> State.PREPARE_FIRST;
            case FIELD_LIST -> State.FIELD_LIST;
            case OK_OR_ERR, SINGLE_PACKET, AUTHENTICATION -> State.SINGLE;
            case NONE, NOT_SUPPORTED -> State.IDLE;
        };
        return state != State.IDLE;
    }

    public boolean inProgress() {
        return state != State.IDLE;
    }

    /** Status flags of the last OK or EOF packet seen, e.g. to follow IN_TRANS. */
    public int lastStatus() {
        return status;
    }

    /** Rows the last (or current) response carried, over all its result sets. */
    public long lastResponseRows() {
        return responseRows;
    }

    /** The warning count of the last OK or EOF packet of the last response. */
    public int lastWarnings() {
        return warnings;
    }

    /** Affected rows of the last response's last OK (0 when it ended with a result set). */
    public long lastAffectedRows() {
        return affectedRows;
    }

    /** The last non-zero last_insert_id of the last response's OK packets, or 0. */
    public long lastInsertId() {
        return insertId;
    }

    /** Whether the last response's last result was a result set (not an OK). */
    public boolean lastResultSet() {
        return resultSet;
    }

    /** Rows of the last response's last result set (counted from packet headers, never decoded). */
    public long lastRows() {
        return rows;
    }

    /** Whether the last response ended with an ERR packet (for a multi-result, any of its results). */
    public boolean lastResponseFailed() {
        return failed;
    }

    /**
     * Observes one physical packet. {@code buf} holds the payload's first
     * {@code min(payloadLength, PEEK_BYTES)} bytes from {@code offset}; nothing is consumed.
     */
    public Progress onPacket(ByteBuf buf, int offset, int payloadLength) {
        if (state == State.IDLE) {
            throw new ProtocolException("server sent a packet while no command was in progress");
        }
        boolean wasContinuation = continuation;
        continuation = payloadLength == Packets.MAX_PAYLOAD;
        if (wasContinuation) {
            return Progress.MORE;
        }
        int first = payloadLength == 0 ? -1 : buf.getUnsignedByte(offset);
        try {
            Progress progress = advance(buf, offset, payloadLength, first);
            if (progress == Progress.DONE && first == 0xff) {
                failed = true;
            }
            return progress;
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolException("truncated packet in a server response", e);
        }
    }

    private Progress advance(ByteBuf buf, int offset, int length, int first) {
        switch (state) {
            case SINGLE:
                if (first == 0x00 || (first == 0xfe && length < Packets.MAX_PAYLOAD)) {
                    readStatus(buf, offset, length, first);
                }
                if (first == 0x00) {
                    readOk(buf, offset, length);
                }
                return done();
            case FIRST:
                return firstPacket(buf, offset, length, first);
            case COLUMNS:
                if (first == 0xff) {
                    return done();
                }
                if (--remaining == 0) {
                    state = deprecateEof ? State.ROWS : State.COLUMNS_EOF;
                }
                return Progress.MORE;
            case COLUMNS_EOF:
                if (first == 0xff) {
                    return done();
                }
                readStatus(buf, offset, length, first);
                if (ServerStatus.CURSOR_EXISTS.isSet(status)) {
                    return done();
                }
                state = State.ROWS;
                return Progress.MORE;
            case ROWS:
                if (first == 0xff) {
                    return done();
                }
                if (isTerminator(first, length)) {
                    readStatus(buf, offset, length, first);
                    resultSet = true;
                    affectedRows = 0;
                    return endOfResult();
                }
                rows++;
                responseRows++;
                return Progress.MORE;
            case PREPARE_FIRST:
                if (first != 0x00) {
                    return done();
                }
                preparedColumns = buf.getUnsignedShortLE(offset + 5);
                remaining = buf.getUnsignedShortLE(offset + 7);
                return afterPrepareSection(remaining, State.PREPARE_PARAMS);
            case PREPARE_PARAMS:
                if (--remaining == 0) {
                    return deprecateEof ? startPreparedColumns() : moreIn(State.PREPARE_PARAMS_EOF);
                }
                return Progress.MORE;
            case PREPARE_PARAMS_EOF:
                return startPreparedColumns();
            case PREPARE_COLUMNS:
                if (--remaining == 0) {
                    return deprecateEof ? done() : moreIn(State.PREPARE_COLUMNS_EOF);
                }
                return Progress.MORE;
            case PREPARE_COLUMNS_EOF:
                return done();
            case FIELD_LIST:
                if (first == 0xff) {
                    return done();
                }
                if (isTerminator(first, length)) {
                    readStatus(buf, offset, length, first);
                    return done();
                }
                return Progress.MORE;
            default:
                throw new IllegalStateException(state.name());
        }
    }

    private Progress firstPacket(ByteBuf buf, int offset, int length, int first) {
        switch (first) {
            case 0xff:
                return done();
            case 0x00:
                readStatus(buf, offset, length, first);
                readOk(buf, offset, length);
                return endOfResult();
            case 0xfb:
                if (!binary) {
                    // The upload follows from the client; the server then answers with OK or ERR.
                    state = State.FIRST;
                    return Progress.LOCAL_INFILE;
                }
                break;
            case -1:
                throw new ProtocolException("empty packet where a result set header was expected");
            default:
                break;
        }
        long columns = Lenenc.readInt(buf.duplicate().readerIndex(offset));
        if (columns <= 0) {
            throw new ProtocolException("invalid result set column count " + columns);
        }
        remaining = columns;
        rows = 0;
        state = State.COLUMNS;
        return Progress.MORE;
    }

    private Progress afterPrepareSection(long count, State next) {
        if (count == 0) {
            return next == State.PREPARE_PARAMS ? startPreparedColumns() : done();
        }
        state = next;
        return Progress.MORE;
    }

    private Progress startPreparedColumns() {
        remaining = preparedColumns;
        return afterPrepareSection(preparedColumns, State.PREPARE_COLUMNS);
    }

    private Progress moreIn(State next) {
        state = next;
        return Progress.MORE;
    }

    private boolean isTerminator(int first, int length) {
        return first == 0xfe && (length < 9 || (deprecateEof && length < Packets.MAX_PAYLOAD));
    }

    private Progress endOfResult() {
        if (ServerStatus.MORE_RESULTS_EXISTS.isSet(status)) {
            state = State.FIRST;
            return Progress.MORE;
        }
        return done();
    }

    private Progress done() {
        state = State.IDLE;
        return Progress.DONE;
    }

    /** Status flags and warning count of an OK (0x00, or 0xFE under DEPRECATE_EOF) or a classic EOF packet. */
    private void readStatus(ByteBuf buf, int offset, int length, int first) {
        // A classic EOF is 5 bytes; a 0xFE of 7 or 8 is an OK ending a result set under DEPRECATE_EOF.
        if (first == 0xfe && length < 7) {
            if (length >= 5) {
                warnings = buf.getUnsignedShortLE(offset + 1);
                status = buf.getUnsignedShortLE(offset + 3);
            }
            return;
        }
        int index = offset + 1;
        index += Lenenc.sizeOfPrefix(buf.getUnsignedByte(index));
        index += Lenenc.sizeOfPrefix(buf.getUnsignedByte(index));
        if (index + 2 <= offset + Math.min(length, PEEK_BYTES)) {
            status = buf.getUnsignedShortLE(index);
        }
        if (index + 4 <= offset + Math.min(length, PEEK_BYTES)) {
            warnings = buf.getUnsignedShortLE(index + 2);
        }
    }

    /** Affected rows and last_insert_id of an OK that ends a result (not of one ending a result set's rows). */
    private void readOk(ByteBuf buf, int offset, int length) {
        resultSet = false;
        ByteBuf peek = buf.duplicate().setIndex(offset + 1, offset + Math.min(length, PEEK_BYTES));
        if (peek.readableBytes() < 2) {
            return;
        }
        affectedRows = Lenenc.readInt(peek);
        if (peek.isReadable()) {
            long id = Lenenc.readInt(peek);
            if (id != 0) {
                insertId = id;
            }
        }
    }
}

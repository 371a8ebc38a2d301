package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * The first packet of a successful COM_STMT_PREPARE response: the server's statement id and the
 * number of result columns and parameters. The id sits at a fixed payload offset, so the proxy can
 * renumber a response it relays with {@link #setStatementId}.
 */
public record StmtPrepareOk(int statementId, int columns, int parameters, int warnings) {

    /** Payload offset of the 4-byte statement id (after the 0x00 status byte). */
    public static final int STATEMENT_ID_OFFSET = 1;

    private static final int MIN_LENGTH = 9;

    /** Decodes {@code payload} from its reader index without consuming it. */
    public static StmtPrepareOk decode(ByteBuf payload) {
        int at = payload.readerIndex();
        if (payload.readableBytes() < MIN_LENGTH || payload.getUnsignedByte(at) != 0x00) {
            throw new ProtocolException("not a COM_STMT_PREPARE OK packet");
        }
        int warnings = payload.readableBytes() >= 12 ? payload.getUnsignedShortLE(at + 10) : 0;
        return new StmtPrepareOk(
                payload.getIntLE(at + 1),
                payload.getUnsignedShortLE(at + 5),
                payload.getUnsignedShortLE(at + 7),
                warnings);
    }

    /** Rewrites the statement id of the prepare-OK packet that starts {@code frame} (header included). */
    public static void setStatementId(ByteBuf frame, int statementId) {
        frame.setIntLE(frame.readerIndex() + 4 + STATEMENT_ID_OFFSET, statementId);
    }
}

package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.wire.Packets;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * The binary-protocol command frames the proxy renumbers or completes on their way to a backend:
 * COM_STMT_EXECUTE, SEND_LONG_DATA, FETCH, RESET and CLOSE all carry the statement id right after
 * the command byte, and an EXECUTE may need the parameter types that the client sent only with an
 * earlier execution (on another backend). Frames include their 4-byte header.
 */
public final class StmtCommands {

    /** Frame offset of the statement id: header, then the command byte. */
    private static final int ID_OFFSET = Packets.HEADER_SIZE + 1;
    /** Frame offset of what follows id, flags and iteration count in COM_STMT_EXECUTE. */
    private static final int EXECUTE_PARAMS_OFFSET = Packets.HEADER_SIZE + 10;

    private StmtCommands() {}

    public static int statementId(ByteBuf frame) {
        if (Packets.payloadLength(frame) < 5) {
            throw new ProtocolException("statement command without a statement id");
        }
        return frame.getIntLE(frame.readerIndex() + ID_OFFSET);
    }

    public static void setStatementId(ByteBuf frame, int statementId) {
        frame.setIntLE(frame.readerIndex() + ID_OFFSET, statementId);
    }

    /**
     * Whether a COM_STMT_EXECUTE of a statement with {@code parameters} holds its parameter header:
     * the NULL bitmap and new-params-bound flag after id, flags and iteration count, and the types
     * when that flag is set. The values are the server's to check.
     */
    public static boolean executeHoldsParameterHeader(ByteBuf frame, int parameters) {
        if (parameters <= 0) {
            return true;
        }
        int end = frame.readerIndex() + Packets.HEADER_SIZE + Packets.payloadLength(frame);
        int flag = frame.readerIndex() + EXECUTE_PARAMS_OFFSET + (parameters + 7) / 8;
        if (flag >= end) {
            return false;
        }
        return frame.getByte(flag) != 1 || flag + 1 + 2L * parameters <= end;
    }

    /**
     * The parameter types (2 bytes per parameter) carried by a COM_STMT_EXECUTE with its
     * new-params-bound flag set, or {@code null} when the flag is clear or there are no parameters.
     */
    public static byte[] boundTypes(ByteBuf frame, int parameters) {
        int flag = boundFlagIndex(frame, parameters);
        if (flag < 0 || frame.getByte(flag) != 1) {
            return null;
        }
        byte[] types = new byte[2 * parameters];
        if (flag + 1 + types.length > frame.writerIndex()) {
            throw new ProtocolException("COM_STMT_EXECUTE shorter than its parameter types");
        }
        frame.getBytes(flag + 1, types);
        return types;
    }

    /**
     * A copy of an EXECUTE frame whose new-params-bound flag is clear, with the flag set and
     * {@code types} inserted, for a backend that has never seen this statement's types. Returns
     * {@code null} (and leaves the frame alone) when the flag is already set, there are no
     * parameters, or the larger packet would need a continuation. The caller keeps {@code frame}.
     */
    public static ByteBuf withBoundTypes(ByteBuf frame, int parameters, byte[] types, ByteBufAllocator alloc) {
        int flag = boundFlagIndex(frame, parameters);
        if (flag < 0 || frame.getByte(flag) != 0 || types == null || types.length != 2 * parameters) {
            return null;
        }
        int length = Packets.payloadLength(frame) + types.length;
        if (length >= Packets.MAX_PAYLOAD) {
            return null;
        }
        ByteBuf out = alloc.buffer(Packets.HEADER_SIZE + length);
        out.writeMediumLE(length).writeByte(Packets.sequenceId(frame));
        int bodyStart = frame.readerIndex() + Packets.HEADER_SIZE;
        out.writeBytes(frame, bodyStart, flag - bodyStart);
        out.writeByte(1).writeBytes(types);
        out.writeBytes(frame, flag + 1, frame.writerIndex() - flag - 1);
        return out;
    }

    /** Index of the new-params-bound flag in an EXECUTE frame, or -1 when it has no parameters. */
    private static int boundFlagIndex(ByteBuf frame, int parameters) {
        if (parameters <= 0) {
            return -1;
        }
        int flag = frame.readerIndex() + EXECUTE_PARAMS_OFFSET + (parameters + 7) / 8;
        if (flag >= frame.writerIndex()) {
            throw new ProtocolException("COM_STMT_EXECUTE shorter than its parameter header");
        }
        return flag;
    }

    /** A command frame with sequence id 0: the command byte followed by {@code body}. */
    public static ByteBuf command(ByteBufAllocator alloc, CommandType command, byte[] body) {
        ByteBuf buf = Packets.start(alloc);
        buf.writeByte(command.code()).writeBytes(body);
        return Packets.finish(buf, 0);
    }

    /** A COM_QUERY frame for {@code sql}, encoded as UTF-8. */
    public static ByteBuf query(ByteBufAllocator alloc, String sql) {
        return command(alloc, CommandType.QUERY, sql.getBytes(StandardCharsets.UTF_8));
    }

    /** A statement command (CLOSE, RESET) that carries nothing but the statement id. */
    public static ByteBuf statementCommand(ByteBufAllocator alloc, CommandType command, int statementId) {
        ByteBuf buf = Packets.start(alloc);
        buf.writeByte(command.code()).writeIntLE(statementId);
        return Packets.finish(buf, 0);
    }
}

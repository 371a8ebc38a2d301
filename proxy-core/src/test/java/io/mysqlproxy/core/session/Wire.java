package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Bytes on the wire for the session's component tests, built by hand so that each test states
 * exactly what goes in and what must come out: frames (3-byte little-endian length, sequence id,
 * payload), client commands, and the ERR packets the proxy sends itself.
 */
final class Wire {

    static final int COM_QUERY = 0x03;
    static final int COM_PING = 0x0e;

    private Wire() {}

    /** Hex digits to bytes; spaces and underscores are for reading only. */
    static byte[] hex(String digits) {
        return ByteBufUtil.decodeHexDump(digits.replace(" ", "").replace("_", ""));
    }

    /** One frame around {@code payload}. */
    static byte[] frame(int sequence, byte[] payload) {
        byte[] frame = new byte[Packets.HEADER_SIZE + payload.length];
        frame[0] = (byte) payload.length;
        frame[1] = (byte) (payload.length >>> 8);
        frame[2] = (byte) (payload.length >>> 16);
        frame[3] = (byte) sequence;
        System.arraycopy(payload, 0, frame, Packets.HEADER_SIZE, payload.length);
        return frame;
    }

    /**
     * Consecutive frames, given as sequence id and payload hex in turn: {@code packets(1, "01", 2, "fe...")}.
     */
    static byte[] packets(Object... sequenceAndHex) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < sequenceAndHex.length; i += 2) {
            out.writeBytes(frame((Integer) sequenceAndHex[i], hex((String) sequenceAndHex[i + 1])));
        }
        return out.toByteArray();
    }

    /** A COM_QUERY as a client sends it: sequence id 0, the command byte, the statement. */
    static byte[] query(String sql) {
        return command(COM_QUERY, sql.getBytes(StandardCharsets.UTF_8));
    }

    /** A command frame with sequence id 0. */
    static byte[] command(int code, byte[] arguments) {
        byte[] payload = new byte[1 + arguments.length];
        payload[0] = (byte) code;
        System.arraycopy(arguments, 0, payload, 1, arguments.length);
        return frame(0, payload);
    }

    /**
     * An ERR frame as the proxy sends it to a PROTOCOL_41 client: 0xff, the code (2 bytes,
     * little-endian), '#', the SQL state, the message.
     */
    static byte[] err(int sequence, int code, String sqlState, String message) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.write(ErrPacket.HEADER);
        payload.write(code & 0xff);
        payload.write(code >>> 8);
        payload.write('#');
        payload.writeBytes(sqlState.getBytes(StandardCharsets.US_ASCII));
        payload.writeBytes(message.getBytes(StandardCharsets.UTF_8));
        return frame(sequence, payload.toByteArray());
    }

    /** Bytes joined in order. */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** A new unpooled buffer holding {@code bytes}, for writing inbound (the channel takes ownership). */
    static ByteBuf buf(byte[] bytes) {
        return Unpooled.copiedBuffer(bytes);
    }

    /** Hex for assertion messages and equality checks that print well. */
    static String hexOf(byte[] bytes) {
        return ByteBufUtil.hexDump(bytes);
    }
}

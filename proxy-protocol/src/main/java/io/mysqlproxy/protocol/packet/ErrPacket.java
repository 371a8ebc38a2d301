package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.ProtocolException;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * ERR packet. {@code sqlState} is {@code null} for the pre-4.1 form that servers still use for
 * errors sent before the handshake (for example "Too many connections").
 */
public record ErrPacket(int errorCode, String sqlState, String message) implements ServerPacket {

    public static final int HEADER = 0xff;

    public ErrPacket {
        if (sqlState != null && sqlState.length() != 5) {
            throw new IllegalArgumentException("SQLSTATE must have 5 characters: " + sqlState);
        }
        message = message == null ? "" : message;
    }

    public static ErrPacket decode(ByteBuf buf) {
        try {
            int header = buf.readUnsignedByte();
            if (header != HEADER) {
                throw new ProtocolException("ERR packet header must be 0xFF, not 0x" + Integer.toHexString(header));
            }
            int code = buf.readUnsignedShortLE();
            String state = null;
            if (buf.isReadable() && buf.getByte(buf.readerIndex()) == '#') {
                buf.skipBytes(1);
                state = buf.readCharSequence(5, StandardCharsets.US_ASCII).toString();
            }
            return new ErrPacket(code, state, WireStrings.readRest(buf));
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolException("truncated ERR packet", e);
        }
    }

    @Override
    public void encode(ByteBuf buf, int capabilities) {
        buf.writeByte(HEADER);
        buf.writeShortLE(errorCode);
        if (sqlState != null) {
            buf.writeByte('#');
            buf.writeCharSequence(sqlState, StandardCharsets.US_ASCII);
        }
        WireStrings.writeRest(buf, message);
    }
}

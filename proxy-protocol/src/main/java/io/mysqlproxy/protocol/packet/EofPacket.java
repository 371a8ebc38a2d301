package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;

/** EOF packet (without DEPRECATE_EOF): note warnings come before status, unlike in OK. */
public record EofPacket(int warnings, int statusFlags) implements ServerPacket {

    public static final int HEADER = 0xfe;
    /** An 0xFE packet shorter than this is an EOF; longer ones are rows or OK packets. */
    public static final int MAX_LENGTH = 9;

    public static EofPacket decode(ByteBuf buf) {
        try {
            int header = buf.readUnsignedByte();
            if (header != HEADER) {
                throw new ProtocolException("EOF packet header must be 0xFE, not 0x" + Integer.toHexString(header));
            }
            return new EofPacket(buf.readUnsignedShortLE(), buf.readUnsignedShortLE());
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolException("truncated EOF packet", e);
        }
    }

    @Override
    public void encode(ByteBuf buf, int capabilities) {
        buf.writeByte(HEADER);
        buf.writeShortLE(warnings);
        buf.writeShortLE(statusFlags);
    }
}

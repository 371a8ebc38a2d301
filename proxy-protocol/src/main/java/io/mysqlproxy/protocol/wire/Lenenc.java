package io.mysqlproxy.protocol.wire;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Length-encoded integers and strings, the protocol's one variable-length number format.
 *
 * <p>0xFB is NULL in a text row and is returned here as {@link #NULL}, never as 0. 0xFF is not a
 * valid first byte (it starts an ERR packet) and is rejected.
 */
public final class Lenenc {

    /** What {@link #readInt} returns for the NULL marker 0xFB. */
    public static final long NULL = -1;

    private Lenenc() {}

    /** Reads a length-encoded integer; {@link #NULL} for 0xFB. Values above 2^63 read as negative. */
    public static long readInt(ByteBuf buf) {
        int first = buf.readUnsignedByte();
        if (first < 0xfb) {
            return first;
        }
        return switch (first) {
            case 0xfb -> NULL;
            case 0xfc -> buf.readUnsignedShortLE();
            case 0xfd -> buf.readUnsignedMediumLE();
            case 0xfe -> buf.readLongLE();
            default -> throw new ProtocolException("invalid length-encoded integer prefix 0xff");
        };
    }

    /** Bytes taken by the length-encoded integer whose first byte is {@code first}. */
    public static int sizeOfPrefix(int first) {
        if (first < 0xfb) {
            return 1;
        }
        return switch (first) {
            case 0xfb -> 1;
            case 0xfc -> 3;
            case 0xfd -> 4;
            case 0xfe -> 9;
            default -> throw new ProtocolException("invalid length-encoded integer prefix 0xff");
        };
    }

    /** Bytes {@link #writeInt} takes for {@code value}. */
    public static int sizeOf(long value) {
        if (value >= 0 && value < 0xfb) {
            return 1;
        }
        if (value >= 0 && value <= 0xffff) {
            return 3;
        }
        if (value >= 0 && value <= 0xffffff) {
            return 4;
        }
        return 9;
    }

    public static void writeInt(ByteBuf buf, long value) {
        if (value >= 0 && value < 0xfb) {
            buf.writeByte((int) value);
        } else if (value >= 0 && value <= 0xffff) {
            buf.writeByte(0xfc).writeShortLE((int) value);
        } else if (value >= 0 && value <= 0xffffff) {
            buf.writeByte(0xfd).writeMediumLE((int) value);
        } else {
            buf.writeByte(0xfe).writeLongLE(value);
        }
    }

    /** Reads length-encoded bytes; {@code null} for the NULL marker. */
    public static byte[] readBytes(ByteBuf buf) {
        boolean nullMarker = buf.isReadable() && buf.getUnsignedByte(buf.readerIndex()) == 0xfb;
        long length = readInt(buf);
        if (nullMarker) {
            return null;
        }
        // An 8-byte length of 2^63 or more reads as negative (and 2^64-1 as NULL's -1): no packet holds it.
        if (length < 0 || length > buf.readableBytes()) {
            throw new ProtocolException("length-encoded string of " + length + " bytes overruns the packet");
        }
        byte[] bytes = new byte[(int) length];
        buf.readBytes(bytes);
        return bytes;
    }

    /** Reads a length-encoded UTF-8 string; {@code null} for the NULL marker. */
    public static String readString(ByteBuf buf) {
        byte[] bytes = readBytes(buf);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    public static void writeBytes(ByteBuf buf, byte[] bytes) {
        writeInt(buf, bytes.length);
        buf.writeBytes(bytes);
    }

    public static void writeString(ByteBuf buf, String value) {
        writeBytes(buf, value.getBytes(StandardCharsets.UTF_8));
    }
}

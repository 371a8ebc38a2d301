package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * MariaDB's extended type information of a column definition, sent when the session negotiated
 * {@link io.mysqlproxy.protocol.flag.MariaDbCapability#EXTENDED_METADATA}: one lenenc string after
 * the column's names, holding chunks of {@code int<1>} attribute, {@code int<lenenc>} length and the
 * value, attribute 0 the data type name (e.g. "uuid", "inet6", "point") and 1 the format (e.g. "json"
 * for a JSON column, which is LONGTEXT on the wire). The server writes each attribute it has, in
 * that order; {@code null} here means the attribute is absent. A column without either is the
 * empty string, one 0x00 byte.
 */
public record ExtendedTypeInfo(String typeName, String format) {

    /** No extended information: what the proxy's own columns carry. */
    public static final ExtendedTypeInfo NONE = new ExtendedTypeInfo(null, null);

    private static final int TYPE_NAME = 0;
    private static final int FORMAT = 1;

    /** Reads the lenenc string that holds the chunks. */
    static ExtendedTypeInfo read(ByteBuf buf) {
        byte[] chunks = Lenenc.readBytes(buf);
        if (chunks == null) {
            throw new ProtocolException("extended type information is NULL");
        }
        ByteBuf in = Unpooled.wrappedBuffer(chunks);
        String typeName = null;
        String format = null;
        while (in.isReadable()) {
            int attribute = in.readUnsignedByte();
            String value = Lenenc.readString(in);
            if (value == null) {
                throw new ProtocolException("extended type attribute " + attribute + " is NULL");
            }
            switch (attribute) {
                case TYPE_NAME -> typeName = value;
                case FORMAT -> format = value;
                default -> throw new ProtocolException("unknown extended type attribute " + attribute);
            }
        }
        return new ExtendedTypeInfo(typeName, format);
    }

    /** Writes the lenenc string of chunks: type name, then format, each only if present. */
    void write(ByteBuf buf) {
        int length = size(typeName) + size(format);
        Lenenc.writeInt(buf, length);
        writeChunk(buf, TYPE_NAME, typeName);
        writeChunk(buf, FORMAT, format);
    }

    private static int size(String value) {
        if (value == null) {
            return 0;
        }
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        return 1 + Lenenc.sizeOf(bytes) + bytes;
    }

    private static void writeChunk(ByteBuf buf, int attribute, String value) {
        if (value != null) {
            buf.writeByte(attribute);
            Lenenc.writeString(buf, value);
        }
    }
}

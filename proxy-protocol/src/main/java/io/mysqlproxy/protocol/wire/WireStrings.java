package io.mysqlproxy.protocol.wire;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** NUL-terminated and rest-of-packet strings, named as in the protocol documentation. */
public final class WireStrings {

    private WireStrings() {}

    /** string&lt;NUL&gt;: bytes up to a 0x00, which is consumed. */
    public static byte[] readNulBytes(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolException("NUL-terminated string has no terminator");
        }
        byte[] bytes = new byte[end - buf.readerIndex()];
        buf.readBytes(bytes);
        buf.skipBytes(1);
        return bytes;
    }

    public static String readNul(ByteBuf buf) {
        return new String(readNulBytes(buf), StandardCharsets.UTF_8);
    }

    /** string&lt;EOF&gt;: the rest of the packet. */
    public static byte[] readRestBytes(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        return bytes;
    }

    public static String readRest(ByteBuf buf) {
        return new String(readRestBytes(buf), StandardCharsets.UTF_8);
    }

    public static void writeNul(ByteBuf buf, String value) {
        buf.writeBytes(value.getBytes(StandardCharsets.UTF_8)).writeByte(0);
    }

    public static void writeNul(ByteBuf buf, byte[] value) {
        buf.writeBytes(value).writeByte(0);
    }

    public static void writeRest(ByteBuf buf, String value) {
        buf.writeBytes(value.getBytes(StandardCharsets.UTF_8));
    }
}

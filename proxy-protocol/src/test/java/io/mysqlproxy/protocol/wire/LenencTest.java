package io.mysqlproxy.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LenencTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0, 00",
        "250, fa",
        "251, fcfb00",
        "65535, fcffff",
        "65536, fd000001",
        "16777215, fdffffff",
        "16777216, fe0000000100000000",
        "9223372036854775807, feffffffffffffff7f"
    })
    void boundaries(long value, String hex) {
        ByteBuf buf = Unpooled.buffer();
        try {
            Lenenc.writeInt(buf, value);
            assertEquals(hex, ByteBufUtil.hexDump(buf));
            assertEquals(hex.length() / 2, Lenenc.sizeOf(value));
            assertEquals(hex.length() / 2, Lenenc.sizeOfPrefix(buf.getUnsignedByte(0)));
            assertEquals(value, Lenenc.readInt(buf));
            assertEquals(0, buf.readableBytes());
        } finally {
            buf.release();
        }
    }

    @Test
    void nullIsExplicitNotZero() {
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {(byte) 0xfb, (byte) 0xfb});
        assertEquals(Lenenc.NULL, Lenenc.readInt(buf));
        assertNull(Lenenc.readString(buf));
    }

    @Test
    void errHeaderIsNotALength() {
        assertThrows(ProtocolException.class, () -> Lenenc.readInt(Unpooled.wrappedBuffer(new byte[] {(byte) 0xff})));
    }

    @Test
    void stringOverrunningThePacketIsRejected() {
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {5, 'a', 'b'});
        assertThrows(ProtocolException.class, () -> Lenenc.readString(buf));
    }

    @Test
    void stringsRoundTrip() {
        ByteBuf buf = Unpooled.buffer();
        try {
            String long300 = "x".repeat(300);
            Lenenc.writeString(buf, "héllo");
            Lenenc.writeString(buf, long300);
            assertEquals("héllo", Lenenc.readString(buf));
            assertEquals(long300, Lenenc.readString(buf));
        } finally {
            buf.release();
        }
    }

    @Test
    void lengthOf2To63OrMoreIsRejectedNotAllocated() {
        // 0xfe then 2^63 (negative as a long) and 2^64-1 (-1, which must not read as NULL either).
        ByteBuf negative = Unpooled.wrappedBuffer(new byte[] {(byte) 0xfe, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80, 'a'});
        assertThrows(ProtocolException.class, () -> Lenenc.readBytes(negative));
        ByteBuf minusOne = Unpooled.wrappedBuffer(new byte[] {
            (byte) 0xfe,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff
        });
        assertThrows(ProtocolException.class, () -> Lenenc.readString(minusOne));
    }
}

package io.mysqlproxy.core.server;

import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The client's packet cap until login: refused from the header, nothing after it kept; lifted at login. */
class FrontendFrameDecoderTest {

    private static final int LIMIT = 64 * 1024;

    @Test
    void packetsUpToTheLimitPassWhole() {
        FrontendFrameDecoder decoder = new FrontendFrameDecoder(Packets.MAX_PAYLOAD, LIMIT);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        channel.writeInbound(packet(LIMIT, 1));
        ByteBuf frame = channel.readInbound();
        assertEquals(LIMIT, Packets.payloadLength(frame));
        frame.release();
        assertFalse(channel.finish());
    }

    @Test
    void aLargerHeaderIsRefusedAtOnceAndTheRestDropped() {
        FrontendFrameDecoder decoder = new FrontendFrameDecoder(Packets.MAX_PAYLOAD, LIMIT);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        // A 16 MiB - 1 header with the first bytes of its body: refused before the body is there.
        ByteBuf header = Unpooled.buffer()
                .writeMediumLE(Packets.MAX_PAYLOAD)
                .writeByte(1)
                .writeZero(1000);
        assertThrows(TooLongFrameException.class, () -> channel.writeInbound(header));
        assertEquals(0, header.refCnt());
        // Whatever follows, even a well-formed small packet, is skipped, never buffered.
        for (int i = 0; i < 16; i++) {
            channel.writeInbound(Unpooled.buffer().writeZero(64 * 1024));
        }
        channel.writeInbound(packet(10, 2));
        assertNull(channel.readInbound());
        ByteBuf buffered = decoder.takeBuffered();
        assertEquals(0, buffered.readableBytes());
        buffered.release();
        assertFalse(channel.finish());
    }

    @Test
    void afterLoginTheFullCapApplies() {
        FrontendFrameDecoder decoder = new FrontendFrameDecoder(Packets.MAX_PAYLOAD, LIMIT);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        assertEquals(LIMIT, decoder.payloadLimit());
        decoder.lift();
        assertEquals(Packets.MAX_PAYLOAD, decoder.payloadLimit());
        // Split in two writes: the decoder waits for the whole frame.
        ByteBuf whole = packet(LIMIT * 4, 0);
        channel.writeInbound(whole.readRetainedSlice(LIMIT));
        assertNull(channel.readInbound());
        channel.writeInbound(whole);
        ByteBuf frame = channel.readInbound();
        assertEquals(LIMIT * 4, Packets.payloadLength(frame));
        frame.release();
        assertFalse(channel.finish());
    }

    private static ByteBuf packet(int payload, int sequence) {
        return Unpooled.buffer().writeMediumLE(payload).writeByte(sequence).writeZero(payload);
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The framing stage of the command phase, on an {@link EmbeddedChannel}: what it passes on as a
 * command, as a continuation of one, as upload data, and what it refuses, with the error the session
 * then sends. Frames are built byte by byte: a 3-byte little-endian length, the sequence id, the payload.
 */
class ClientCommandFramerTest {

    private static final int MAX_ALLOWED = 64 * 1024 * 1024;

    private final List<Throwable> errors = new ArrayList<>();
    private final ClientCommandFramer framer = new ClientCommandFramer(MAX_ALLOWED);
    private final EmbeddedChannel channel = new EmbeddedChannel(framer, new ChannelInboundHandlerAdapter() {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    });

    @AfterEach
    void finish() {
        assertFalse(channel.finish(), "the framer passed on something that was not checked");
    }

    /** A frame: {@code length} payload bytes starting with {@code command}, filled with 'x'. */
    private static ByteBuf frame(int sequence, int command, int length) {
        ByteBuf frame = Unpooled.buffer(Packets.HEADER_SIZE + length);
        frame.writeMediumLE(length).writeByte(sequence);
        if (length > 0) {
            frame.writeByte(command);
            frame.writeZero(length - 1);
        }
        return frame;
    }

    private Object next() {
        return channel.readInbound();
    }

    @Test
    void aCommandFramePassesAsItself() {
        ByteBuf query = frame(0, 0x03, 9);
        channel.writeInbound(query);
        Object passed = next();
        assertSame(query, passed);
        query.release();
        assertNull(next());
        assertStartsACommand();
    }

    /** The next frame, at sequence id 0, passes as a command's first frame. */
    private void assertStartsACommand() {
        ByteBuf ping = frame(0, 0x0e, 1);
        channel.writeInbound(ping);
        assertSame(ping, next(), "a new command");
        ping.release();
        assertTrue(errors.isEmpty(), errors::toString);
    }

    @Test
    void aSixteenMebibyteCommandContinuesUntilAShorterFrame() {
        channel.writeInbound(frame(0, 0x03, Packets.MAX_PAYLOAD));
        ByteBuf first = (ByteBuf) next();
        first.release();
        channel.writeInbound(frame(1, 0x78, Packets.MAX_PAYLOAD), frame(2, 0x78, 10));
        FollowingFrame second = assertInstanceOf(FollowingFrame.class, next());
        FollowingFrame third = assertInstanceOf(FollowingFrame.class, next());
        assertFalse(second.upload());
        assertFalse(second.last());
        assertEquals(1, second.sequence());
        assertTrue(third.last());
        assertEquals(2, third.sequence());
        second.release();
        third.release();
        // After the packet ends, the next frame starts a command again, at sequence id 0.
        assertStartsACommand();
    }

    @Test
    void commandsTheSessionAnswersAtOnceDoNotContinue() {
        // COM_PING of 16 MiB: its next frame must start a new command, at sequence id 0.
        channel.writeInbound(frame(0, 0x0e, Packets.MAX_PAYLOAD));
        ((ByteBuf) next()).release();
        assertStartsACommand();
    }

    @Test
    void anUploadPassesUntilItsEmptyPacket() {
        framer.expectUpload();
        channel.writeInbound(frame(2, 'a', 100), frame(3, 'b', 0));
        FollowingFrame data = assertInstanceOf(FollowingFrame.class, next());
        FollowingFrame last = assertInstanceOf(FollowingFrame.class, next());
        assertTrue(data.upload());
        assertFalse(data.last());
        assertTrue(last.upload());
        assertTrue(last.last());
        data.release();
        last.release();
        assertStartsACommand();
    }

    @Test
    void aCommandMustStartAtSequenceZero() {
        channel.writeInbound(frame(3, 0x03, 9));
        assertNull(next());
        ClientProtocolViolation violation = assertInstanceOf(ClientProtocolViolation.class, errors.get(0));
        assertEquals(1156, violation.error().errorCode());
        assertEquals("08S01", violation.error().sqlState());
    }

    @Test
    void aContinuationMustFollowInSequence() {
        channel.writeInbound(frame(0, 0x03, Packets.MAX_PAYLOAD));
        ((ByteBuf) next()).release();
        channel.writeInbound(frame(5, 0x78, 10));
        assertNull(next());
        assertEquals(
                1156,
                assertInstanceOf(ClientProtocolViolation.class, errors.get(0))
                        .error()
                        .errorCode());
    }

    /** A framer for {@code maxAllowedPacket}, and the violations it raised. */
    private record Framed(EmbeddedChannel channel, List<Throwable> refused) {

        static Framed withMaxAllowedPacket(long maxAllowedPacket) {
            List<Throwable> refused = new ArrayList<>();
            EmbeddedChannel channel =
                    new EmbeddedChannel(new ClientCommandFramer(maxAllowedPacket), new ChannelInboundHandlerAdapter() {
                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            refused.add(cause);
                        }
                    });
            return new Framed(channel, refused);
        }

        int refusedWith() {
            return assertInstanceOf(ClientProtocolViolation.class, refused.get(0))
                    .error()
                    .errorCode();
        }
    }

    @Test
    void aPacketOverMaxAllowedPacketIsRefused() {
        Framed tight = Framed.withMaxAllowedPacket(1024);
        tight.channel().writeInbound(frame(0, 0x03, 1025));
        assertNull(tight.channel().readInbound());
        assertEquals(1153, tight.refusedWith());
        assertFalse(tight.channel().finish());
    }

    @Test
    void aContinuedPacketOverMaxAllowedPacketIsRefused() {
        Framed tight = Framed.withMaxAllowedPacket(Packets.MAX_PAYLOAD + 100L);
        tight.channel().writeInbound(frame(0, 0x03, Packets.MAX_PAYLOAD));
        ((ByteBuf) tight.channel().readInbound()).release();
        tight.channel().writeInbound(frame(1, 0x78, 101));
        assertNull(tight.channel().readInbound());
        assertEquals(1153, tight.refusedWith());
        assertFalse(tight.channel().finish());
    }
}

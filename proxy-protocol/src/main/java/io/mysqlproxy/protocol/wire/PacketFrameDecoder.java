package io.mysqlproxy.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

import java.nio.ByteOrder;

/**
 * Splits a byte stream into physical packets, header included. A physical packet is never larger
 * than 16 MiB - 1 of payload, so frames are bounded whatever the peer declares; larger logical
 * packets arrive as several frames and are checked against max_allowed_packet by the session.
 * Open to a subclass that caps packets lower for a while (the frontend, until login).
 */
public class PacketFrameDecoder extends LengthFieldBasedFrameDecoder {

    public PacketFrameDecoder() {
        this(Packets.MAX_PAYLOAD);
    }

    /**
     * A decoder that refuses, as soon as the header is read, a packet declaring more than
     * {@code maxPayload} bytes (a TooLongFrameException), instead of buffering it first.
     */
    public PacketFrameDecoder(int maxPayload) {
        super(
                ByteOrder.LITTLE_ENDIAN,
                Math.min(maxPayload, Packets.MAX_PAYLOAD) + Packets.HEADER_SIZE,
                0,
                3,
                1,
                0,
                true);
    }

    /**
     * The 3-byte little-endian length, read directly: the superclass would wrap the buffer in a
     * little-endian view for every packet.
     */
    @Override
    protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
        return buf.getUnsignedMediumLE(offset);
    }

    /**
     * Removes and returns the bytes received but not yet framed. A client that asks for TLS may
     * send its TLS ClientHello in the same segment as the SSL request; those bytes must go
     * through the TLS handler, not be read as packets. The caller owns the returned buffer.
     */
    public ByteBuf takeBuffered() {
        ByteBuf buffered = internalBuffer();
        return buffered.readRetainedSlice(buffered.readableBytes());
    }
}

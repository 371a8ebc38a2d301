package io.mysqlproxy.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The 4-byte packet header: a 3-byte little-endian payload length and a 1-byte sequence id.
 *
 * <p>A payload of exactly {@link #MAX_PAYLOAD} bytes means the logical packet continues in the
 * next physical packet; a logical packet whose size is a multiple of it ends with an empty one.
 * Frames passed between handlers are whole physical packets, header included, so that they can
 * be forwarded as they are.
 */
public final class Packets {

    public static final int HEADER_SIZE = 4;
    public static final int MAX_PAYLOAD = 0xffffff;

    private Packets() {}

    public static int payloadLength(ByteBuf frame) {
        return frame.getUnsignedMediumLE(frame.readerIndex());
    }

    public static int sequenceId(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + 3);
    }

    /** The first payload byte (a command byte or a response header), or -1 for an empty payload. */
    public static int firstPayloadByte(ByteBuf frame) {
        return payloadLength(frame) == 0 ? -1 : frame.getUnsignedByte(frame.readerIndex() + HEADER_SIZE);
    }

    /** A view of the payload sharing the frame's memory and reference count; the frame keeps ownership. */
    public static ByteBuf payload(ByteBuf frame) {
        return frame.slice(frame.readerIndex() + HEADER_SIZE, payloadLength(frame));
    }

    /** Starts a packet: allocates a buffer and reserves the header, to be completed by {@link #finish}. */
    public static ByteBuf start(ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer();
        buf.writeZero(HEADER_SIZE);
        return buf;
    }

    /**
     * Writes the header of a packet begun with {@link #start}. Packets the proxy builds itself are
     * small control packets; one over 16 MiB is a bug, not input, and is refused here.
     */
    public static ByteBuf finish(ByteBuf buf, int sequenceId) {
        try {
            end(buf, 0, sequenceId);
        } catch (IllegalArgumentException e) {
            buf.release();
            throw e;
        }
        return buf;
    }

    /**
     * Reserves the header of a packet appended to {@code buf}, which may already hold others;
     * returns where the packet starts, for {@link #end}.
     */
    public static int begin(ByteBuf buf) {
        int start = buf.writerIndex();
        buf.writeZero(HEADER_SIZE);
        return start;
    }

    /** Writes the header of the packet {@link #begin} started at {@code start}; refuses one over 16 MiB. */
    public static void end(ByteBuf buf, int start, int sequenceId) {
        int length = buf.writerIndex() - start - HEADER_SIZE;
        if (length >= MAX_PAYLOAD) {
            throw new IllegalArgumentException("control packet of " + length + " bytes needs splitting");
        }
        buf.setMediumLE(start, length);
        buf.setByte(start + 3, sequenceId);
    }
}

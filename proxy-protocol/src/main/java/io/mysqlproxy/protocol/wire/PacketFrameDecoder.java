package io.mysqlproxy.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;

import java.nio.ByteOrder;

/**
 * Splits a byte stream into physical packets, header included. A physical packet is never larger
 * than 16 MiB - 1 of payload, so frames are bounded whatever the peer declares; larger logical
 * packets arrive as several frames and are checked against max_allowed_packet by the session.
 */
public final class PacketFrameDecoder extends LengthFieldBasedFrameDecoder {

    private final int maxPayload;
    /** The cap in force now, at most {@link #maxPayload}: lower until the peer has logged in. */
    private int payloadLimit;
    /** Set once a packet went over {@link #payloadLimit}: everything after it is dropped unread. */
    private boolean refusing;

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
        this.maxPayload = Math.min(maxPayload, Packets.MAX_PAYLOAD);
        this.payloadLimit = this.maxPayload;
    }

    /**
     * Lowers (or restores) the cap to {@code limit} bytes of payload, never above the constructor's:
     * a packet declaring more is refused from its header, as over the constructor's cap, and every
     * byte after it is dropped, so that a peer not yet logged in cannot make the decoder buffer more.
     */
    public void setPayloadLimit(int limit) {
        payloadLimit = Math.min(Math.max(limit, 0), maxPayload);
    }

    public int payloadLimit() {
        return payloadLimit;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (refusing) {
            in.skipBytes(in.readableBytes());
            return null;
        }
        if (payloadLimit < maxPayload && in.readableBytes() >= 3) {
            int declared = in.getUnsignedMediumLE(in.readerIndex());
            if (declared > payloadLimit) {
                refusing = true;
                in.skipBytes(in.readableBytes());
                throw new TooLongFrameException(
                        "packet of " + declared + " bytes over the limit of " + payloadLimit + " bytes");
            }
        }
        return super.decode(ctx, in);
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

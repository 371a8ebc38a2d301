package io.mysqlproxy.core.server;

import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;

/**
 * The client's frame decoder: packets up to max-allowed-packet (16 MiB - 1 per frame), but until
 * the client has logged in a lower cap ({@code client.max-packet-before-login}). A packet over the
 * cap is refused from its header with a {@link TooLongFrameException}, and every byte after it is
 * dropped unread, so that a client nobody has authenticated cannot make the proxy buffer more.
 */
final class FrontendFrameDecoder extends PacketFrameDecoder {

    private final int maxPayload;
    /** The cap in force now, at most {@link #maxPayload}. */
    private int payloadLimit;
    /** Set once a packet went over {@link #payloadLimit}: everything after it is dropped. */
    private boolean refusing;

    FrontendFrameDecoder(int maxPayload, int payloadLimit) {
        super(maxPayload);
        this.maxPayload = Math.min(maxPayload, Packets.MAX_PAYLOAD);
        this.payloadLimit = Math.min(payloadLimit, this.maxPayload);
    }

    /** Login succeeded: from now on, only max-allowed-packet. */
    void lift() {
        payloadLimit = maxPayload;
    }

    int payloadLimit() {
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
                        "packet of " + declared + " bytes over the limit of " + payloadLimit + " bytes before login");
            }
        }
        return super.decode(ctx, in);
    }
}

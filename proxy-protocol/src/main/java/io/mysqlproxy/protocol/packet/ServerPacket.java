package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** A control packet the server sends; the proxy plays both sides, so it decodes and encodes these. */
public sealed interface ServerPacket
        permits HandshakeV10,
                OkPacket,
                ErrPacket,
                EofPacket,
                AuthSwitchRequest,
                AuthMoreData,
                ColumnDefinition41,
                TextRow {

    /** Writes the payload (no header) as a peer with the given capabilities expects it. */
    void encode(ByteBuf payload, int capabilities);

    /** A whole frame, header included, allocated from {@code alloc}; the caller owns it. */
    default ByteBuf toFrame(ByteBufAllocator alloc, int sequenceId, int capabilities) {
        ByteBuf buf = Packets.start(alloc);
        try {
            encode(buf, capabilities);
            return Packets.finish(buf, sequenceId);
        } catch (RuntimeException e) {
            if (buf.refCnt() > 0) {
                buf.release();
            }
            throw e;
        }
    }
}

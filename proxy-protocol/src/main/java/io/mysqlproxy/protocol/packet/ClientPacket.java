package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** A control packet the client sends; decoded when the proxy is the server, encoded when it is the client. */
public sealed interface ClientPacket permits HandshakeResponse41, SslRequest, ComChangeUser {

    void encode(ByteBuf payload);

    default ByteBuf toFrame(ByteBufAllocator alloc, int sequenceId) {
        ByteBuf buf = Packets.start(alloc);
        try {
            encode(buf);
            return Packets.finish(buf, sequenceId);
        } catch (RuntimeException e) {
            if (buf.refCnt() > 0) {
                buf.release();
            }
            throw e;
        }
    }
}

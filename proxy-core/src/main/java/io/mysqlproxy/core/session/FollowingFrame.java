package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A client frame that belongs to the command in flight rather than starting one: the next part of
 * a command of 16 MiB or more, or a packet of a LOCAL INFILE upload. It owns its frame; whoever
 * receives it forwards or releases it.
 */
final class FollowingFrame extends DefaultByteBufHolder {

    private final boolean upload;

    FollowingFrame(ByteBuf frame, boolean upload) {
        super(frame);
        this.upload = upload;
    }

    /** Whether this is upload data (else a continuation of the command's packet). */
    boolean upload() {
        return upload;
    }

    int sequence() {
        return Packets.sequenceId(content());
    }

    /** For an upload, the empty packet that ends it; for a continuation, the part under 16 MiB that ends the packet. */
    boolean last() {
        int length = Packets.payloadLength(content());
        return upload ? length == 0 : length < Packets.MAX_PAYLOAD;
    }
}

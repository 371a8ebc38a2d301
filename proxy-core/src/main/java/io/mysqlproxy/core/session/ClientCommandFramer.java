package io.mysqlproxy.core.session;

import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The command phase's framing stage: sorts the client's frames, in the order they arrive, into the
 * first frame of a command (passed on as the frame itself) and frames that belong to the command
 * before them ({@link FollowingFrame}): the rest of a packet of 16 MiB or more, and a LOCAL INFILE
 * upload once the server asked for one. It checks what the server would: a command starts with
 * sequence id 0, continuations number on from it, and no packet exceeds max_allowed_packet. A
 * violation is raised as a {@link ClientProtocolViolation} for the session to answer.
 */
final class ClientCommandFramer extends ChannelInboundHandlerAdapter {

    private final long maxAllowedPacket;
    /** Whether the server asked for a LOCAL INFILE upload that has not ended yet. */
    private boolean uploading;
    /** Whether the packet of the last command continues in the next frame. */
    private boolean continuing;

    private int nextSequence;
    private long logicalLength;

    ClientCommandFramer(long maxAllowedPacket) {
        this.maxAllowedPacket = maxAllowedPacket;
    }

    /** The server asked for the client's file: frames are upload data until an empty one. */
    void expectUpload() {
        uploading = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        int sequence = Packets.sequenceId(frame);
        int length = Packets.payloadLength(frame);
        if (uploading) {
            uploading = length != 0;
            ctx.fireChannelRead(new FollowingFrame(frame, true));
        } else if (continuing) {
            continuation(ctx, frame, sequence, length);
        } else {
            command(ctx, frame, sequence, length);
        }
    }

    private void command(ChannelHandlerContext ctx, ByteBuf frame, int sequence, int length) {
        if (sequence != 0) {
            frame.release();
            throw new ClientProtocolViolation(
                    ProxyErrors.packetsOutOfOrder(0, sequence), "command with sequence id " + sequence, false);
        }
        if (length > maxAllowedPacket) {
            frame.release();
            throw new ClientProtocolViolation(
                    ProxyErrors.packetTooLarge(maxAllowedPacket), "command of " + length + " bytes", false);
        }
        if (length == Packets.MAX_PAYLOAD && continues(Packets.firstPayloadByte(frame))) {
            continuing = true;
            nextSequence = 1;
            logicalLength = length;
        }
        ctx.fireChannelRead(frame);
    }

    private void continuation(ChannelHandlerContext ctx, ByteBuf frame, int sequence, int length) {
        if (sequence != nextSequence) {
            frame.release();
            throw new ClientProtocolViolation(
                    ProxyErrors.packetsOutOfOrder(nextSequence, sequence), "continuation out of order", true);
        }
        logicalLength += length;
        if (logicalLength > maxAllowedPacket) {
            frame.release();
            throw new ClientProtocolViolation(
                    ProxyErrors.packetTooLarge(maxAllowedPacket),
                    "command of more than " + maxAllowedPacket + " bytes",
                    true);
        }
        nextSequence = (sequence + 1) & 0xff;
        continuing = length == Packets.MAX_PAYLOAD;
        ctx.fireChannelRead(new FollowingFrame(frame, false));
    }

    /**
     * Whether a 16 MiB first frame of this command continues in the next frame. The commands the
     * session answers at once (or never) are not followed: their next frame must start a command.
     */
    static boolean continues(int code) {
        CommandType command = code < 0 ? null : CommandType.of(code);
        return command != null
                && command.response() != CommandType.Response.NOT_SUPPORTED
                && switch (command) {
                    case QUIT, PING, STMT_CLOSE, CHANGE_USER -> false;
                    default -> true;
                };
    }
}

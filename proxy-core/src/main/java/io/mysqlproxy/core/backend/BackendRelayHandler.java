package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.result.ResponseTracker;
import io.mysqlproxy.protocol.wire.Packets;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Relays a backend's response bytes to the session without copying them: it walks packet
 * headers in the bytes as they arrive, shows each packet's first bytes to the
 * {@link ResponseTracker}, and forwards retained slices of the received buffers, as many packets
 * at a time as one read brings. A packet's body is streamed as it arrives, so a 16 MiB row is
 * never held whole; only an incomplete header and peek (at most 36 bytes) waits for the next read.
 */
final class BackendRelayHandler extends ChannelInboundHandlerAdapter {

    private final ResponseTracker tracker;
    private final ResponseSink sink;
    private ByteBuf pending;
    /** Payload bytes of the current packet still to pass through, after its header and peek were seen. */
    private long bodyRemaining;
    /** What the tracker said of the current packet, acted on once its last byte has been forwarded. */
    private ResponseTracker.Progress pendingProgress = ResponseTracker.Progress.MORE;
    private int lastSequenceId;

    BackendRelayHandler(ResponseTracker tracker, ResponseSink sink) {
        this.tracker = tracker;
        this.sink = sink;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (pending == null) {
            pending = in;
        } else {
            CompositeByteBuf joined = pending instanceof CompositeByteBuf c
                    ? c : ctx.alloc().compositeBuffer(8).addComponent(true, pending);
            pending = joined.addComponent(true, in);
        }
        try {
            relay();
        } catch (ProtocolException | IndexOutOfBoundsException e) {
            release();
            sink.backendFailed("protocol error: " + e.getMessage(), e);
            ctx.close();
        }
    }

    private void relay() {
        int start = pending.readerIndex();
        int index = start;
        int end = pending.writerIndex();
        while (true) {
            if (bodyRemaining > 0) {
                int n = (int) Math.min(bodyRemaining, end - index);
                index += n;
                bodyRemaining -= n;
                if (bodyRemaining > 0) {
                    break;
                }
            }
            if (pendingProgress != ResponseTracker.Progress.MORE) {
                ResponseTracker.Progress progress = pendingProgress;
                pendingProgress = ResponseTracker.Progress.MORE;
                forward(start, index);
                start = index;
                if (progress == ResponseTracker.Progress.DONE) {
                    sink.responseComplete(tracker.lastStatus());
                } else {
                    sink.localInfileRequested();
                }
                if (pending == null) {
                    return;
                }
            }
            if (end - index < Packets.HEADER_SIZE) {
                break;
            }
            int length = pending.getUnsignedMediumLE(index);
            if (end - index - Packets.HEADER_SIZE < Math.min(length, ResponseTracker.PEEK_BYTES)) {
                break;
            }
            pendingProgress = tracker.onPacket(pending, index + Packets.HEADER_SIZE, length);
            lastSequenceId = pending.getUnsignedByte(index + 3);
            index += Packets.HEADER_SIZE;
            bodyRemaining = length;
        }
        forward(start, index);
    }

    /** Passes bytes [from, to) of {@code pending} to the sink and drops them from {@code pending}. */
    private void forward(int from, int to) {
        if (to > from) {
            sink.forward(pending.retainedSlice(from, to - from), lastSequenceId);
        }
        pending.readerIndex(to);
        if (!pending.isReadable()) {
            release();
        } else if (pending instanceof CompositeByteBuf composite) {
            composite.discardReadComponents();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        sink.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        sink.backendWritabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        sink.backendFailed("connection closed by the server", null);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        release();
        sink.backendFailed(String.valueOf(cause.getMessage()), cause);
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}

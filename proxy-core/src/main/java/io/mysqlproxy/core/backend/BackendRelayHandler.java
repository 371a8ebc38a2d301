package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.result.ResponseRelay;
import io.mysqlproxy.protocol.result.ResponseTracker;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The backend channel's last stage in the command phase: relays response bytes to the
 * {@link ResponseSink} through a {@link ResponseRelay}, and reports the channel's end.
 */
final class BackendRelayHandler extends ChannelInboundHandlerAdapter {

    private final ResponseRelay relay;
    private ResponseSink sink;

    BackendRelayHandler(ResponseTracker tracker, ResponseSink sink) {
        this.sink = sink;
        // The relay outputs to whichever sink is attached when the bytes arrive.
        this.relay = new ResponseRelay(tracker, new ResponseRelay.Output() {
            @Override
            public void forward(ByteBuf bytes, int lastSequenceId) {
                BackendRelayHandler.this.sink.forward(bytes, lastSequenceId);
            }

            @Override
            public void responseComplete(int status) {
                BackendRelayHandler.this.sink.responseComplete(status);
            }

            @Override
            public void localInfileRequested() {
                BackendRelayHandler.this.sink.localInfileRequested();
            }
        });
    }

    /** See {@link ResponseRelay#shiftSequence}. */
    void shiftSequence(int shift) {
        relay.shiftSequence(shift);
    }

    void sink(ResponseSink sink) {
        this.sink = sink;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (sink == ResponseSink.UNATTACHED) {
            ((ByteBuf) msg).release();
            ctx.close();
            return;
        }
        try {
            relay.receive((ByteBuf) msg, ctx.alloc());
        } catch (ProtocolException | IndexOutOfBoundsException e) {
            relay.release();
            sink.backendFailed("protocol error: " + e.getMessage(), e);
            ctx.close();
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
        relay.release();
        sink.backendFailed("connection closed by the server", null);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        relay.release();
        sink.backendFailed(String.valueOf(cause.getMessage()), cause);
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        relay.release();
    }
}

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
    private final ResponseSink sink;

    BackendRelayHandler(ResponseTracker tracker, ResponseSink sink) {
        this.sink = sink;
        this.relay = new ResponseRelay(tracker, sink);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
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

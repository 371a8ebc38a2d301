package io.mysqlproxy.core.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The far side of a socket that stops reading, for an {@link EmbeddedChannel} (which otherwise takes
 * every flushed byte at once). First in the pipeline; while closed it holds back flushes, so what is
 * written stays pending and the channel stops being writable past its high water mark.
 */
final class FlushGate extends ChannelOutboundHandlerAdapter {

    static final String NAME = "flush-gate";

    private boolean closed;
    private ChannelHandlerContext ctx;

    /** Puts a gate, open, first in {@code channel}'s pipeline. */
    static FlushGate install(EmbeddedChannel channel) {
        FlushGate gate = new FlushGate();
        channel.pipeline().addFirst(NAME, gate);
        return gate;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (!closed) {
            ctx.flush();
        }
    }

    /** The peer stops reading; the channel is unwritable once more than {@code high} bytes are pending. */
    void close(int low, int high) {
        ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(low, high));
        closed = true;
    }

    /** The peer reads everything pending. */
    void open() {
        closed = false;
        ctx.flush();
    }
}

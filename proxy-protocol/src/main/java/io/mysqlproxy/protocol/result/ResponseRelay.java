package io.mysqlproxy.protocol.result;

import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * Passes a server's response bytes on without copying them: it walks the packet headers in the
 * bytes as they arrive, shows each packet's first bytes to a {@link ResponseTracker}, and hands
 * out retained slices of the received buffers, as many packets at a time as one read brings.
 * A packet's body is streamed as it arrives, so a 16 MiB row is never held whole; only an
 * incomplete header and peek (at most 36 bytes) waits for the next read.
 *
 * <p>Not thread-safe: one instance per connection, used on its event loop.
 */
public final class ResponseRelay {

    /** Receives the relayed bytes and the response boundaries, in stream order. */
    public interface Output {
        /** Bytes of whole or partial packets; the output owns them. {@code lastSequenceId} is that of the last packet begun. */
        void forward(ByteBuf bytes, int lastSequenceId);

        /** The response is complete; {@code status} is its last status flags. */
        void responseComplete(int status);

        /** The server asked for a LOCAL INFILE upload. */
        void localInfileRequested();
    }

    private final ResponseTracker tracker;
    private final Output output;
    private ByteBuf pending;
    /** Payload bytes of the current packet still to pass through, after its header and peek were seen. */
    private long bodyRemaining;
    /** What the tracker said of the current packet, acted on once its last byte has been passed on. */
    private ResponseTracker.Progress pendingProgress = ResponseTracker.Progress.MORE;

    private int lastSequenceId;
    /** Added to the sequence id of each packet of the current response (see {@link #shiftSequence}). */
    private int sequenceShift;

    public ResponseRelay(ResponseTracker tracker, Output output) {
        this.tracker = tracker;
        this.output = output;
    }

    /**
     * Numbers the packets of the next response (up to its end) {@code shift} past the server's ids, in the
     * bytes passed on: the proxy answered part of the client's command itself before the server's part.
     */
    public void shiftSequence(int shift) {
        sequenceShift = shift;
    }

    /**
     * Takes ownership of {@code in} and passes on every byte that can be, firing response events
     * as their last byte goes out. Throws {@link io.mysqlproxy.protocol.wire.ProtocolException}
     * for bytes that are not a response to the command in progress; call {@link #release()} then.
     */
    public void receive(ByteBuf in, ByteBufAllocator alloc) {
        if (pending == null) {
            pending = in;
        } else {
            CompositeByteBuf joined = pending instanceof CompositeByteBuf c
                    ? c
                    : alloc.compositeBuffer(8).addComponent(true, pending);
            pending = joined.addComponent(true, in);
        }
        relay(alloc);
    }

    private void relay(ByteBufAllocator alloc) {
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
                forward(start, index, alloc);
                if (progress == ResponseTracker.Progress.DONE) {
                    sequenceShift = 0;
                    output.responseComplete(tracker.lastStatus());
                } else {
                    output.localInfileRequested();
                }
                if (pending == null) {
                    return;
                }
                // forward() may have replaced pending by a copy of its rest, which renumbers the indexes.
                start = pending.readerIndex();
                index = start;
                end = pending.writerIndex();
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
            if (sequenceShift != 0) {
                // The received buffer is the relay's own: renumbering in place keeps the pass-through copy-free.
                lastSequenceId = (lastSequenceId + sequenceShift) & 0xff;
                pending.setByte(index + 3, lastSequenceId);
            }
            index += Packets.HEADER_SIZE;
            bodyRemaining = length;
        }
        forward(start, index, alloc);
    }

    /**
     * Hands bytes [from, to) of {@code pending} to the output and drops them from {@code pending}.
     *
     * <p>The slices handed out index into {@code pending}, and the output may hold them for a while (in a
     * channel's outbound buffer), so {@code pending} must never change under them. A composite is therefore not
     * trimmed with {@code discardReadComponents()}, which removes and renumbers components and so makes earlier
     * slices read the wrong bytes or fail; what is left of it (at most an incomplete header and peek, in practice)
     * is copied out instead and the composite let go.
     */
    private void forward(int from, int to, ByteBufAllocator alloc) {
        if (to > from) {
            output.forward(pending.retainedSlice(from, to - from), lastSequenceId);
        }
        pending.readerIndex(to);
        if (!pending.isReadable()) {
            release();
        } else if (pending instanceof CompositeByteBuf composite) {
            ByteBuf rest = alloc.buffer(composite.readableBytes());
            rest.writeBytes(composite);
            composite.release();
            pending = rest;
        }
    }

    /** Drops bytes not yet passed on (the connection is closing). */
    public void release() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}

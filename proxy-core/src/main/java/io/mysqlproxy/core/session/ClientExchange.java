package io.mysqlproxy.core.session;

import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * The bytes of the command in flight between the client and its leg: the backend's response relayed
 * to the client undecoded (reading from the backend stops while the client cannot take more, so a
 * slow client never makes the proxy hold a result set), the client's continuations and LOCAL INFILE
 * upload passed to the leg, and the answers the proxy sends itself. Leg failures go to
 * {@link LegFailures}.
 */
final class ClientExchange implements Leg.Owner, ClientReplies {

    /** The session side of the exchange. */
    interface Session {
        /** The command in flight, or null. */
        Command current();

        /** The command is over: the next queued one may run. */
        void finish(Command cmd);

        /** Whether the client should be read now: the backend may have become able to take more bytes. */
        void updateReading();
    }

    private final Session session;
    private final SessionInfo info;
    private final ClientSequence sequence;
    private final ClientCommandFramer framer;
    private final ProxyMetrics metrics;
    private SessionTracker tracker;
    private LegFailures failures;
    private ChannelHandlerContext ctx;

    ClientExchange(
            Session session,
            SessionInfo info,
            ClientSequence sequence,
            ClientCommandFramer framer,
            ProxyMetrics metrics) {
        this.session = session;
        this.info = info;
        this.sequence = sequence;
        this.framer = framer;
        this.metrics = metrics;
    }

    /**
     * Completes the wiring, which is circular: the legs report here, the tracker follows the legs, and
     * the failure handling uses both.
     */
    void attach(SessionTracker tracker, LegFailures failures) {
        this.tracker = tracker;
        this.failures = failures;
    }

    /** The client's channel, once the session stage is in its pipeline. */
    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** A frame that belongs to {@code cmd}, the command in flight (or to one that already ended: then it is dropped). */
    void following(Command cmd, FollowingFrame following) {
        ByteBuf frame = following.content();
        if (cmd == null || (following.upload() && !cmd.sent())) {
            frame.release();
        } else if (following.upload()) {
            cmd.leg().connection().write(frame);
            if (following.last()) {
                // The empty packet ends the upload; the server answers with OK or ERR.
                cmd.leg().connection().flush();
                session.updateReading();
            }
        } else if (cmd.sent()) {
            cmd.leg().connection().write(frame);
            if (following.last()) {
                // The end of the packet goes out now: taken from the pipelined queue, no client read flushes it.
                cmd.leg().connection().flush();
            }
        } else {
            cmd.hold(frame);
        }
    }

    @Override
    public void forward(Leg leg, ByteBuf bytes, int lastSequenceId) {
        sequence.relayed(lastSequenceId);
        ctx.write(bytes, ctx.voidPromise());
        if (!ctx.channel().isWritable()) {
            leg.connection().setAutoRead(false);
        }
    }

    @Override
    public void flushClient() {
        ctx.flush();
    }

    @Override
    public void localInfileRequested(Leg leg) {
        framer.expectUpload();
        ctx.flush();
        session.updateReading();
    }

    @Override
    public void responseComplete(Leg leg, int status, boolean failed) {
        Command cmd = session.current();
        if (cmd == null || cmd.leg() != leg) {
            return;
        }
        if (cmd.sentAt() != 0) {
            metrics.completed(leg.backend(), System.nanoTime() - cmd.sentAt(), failed);
        }
        tracker.afterCommand(cmd, leg, status, failed);
        session.finish(cmd);
    }

    /** A large upload: read the client only while the backend keeps up. */
    @Override
    public void legWritabilityChanged() {
        session.updateReading();
    }

    @Override
    public void legFailed(Leg leg, String reason) {
        failures.legFailed(leg, reason);
    }

    @Override
    public void replyOk(int sequenceId) {
        ctx.writeAndFlush(OkPacket.of(tracker.status()).toFrame(ctx.alloc(), sequenceId, info.capabilities()));
    }

    @Override
    public void reply(ErrPacket error, int sequenceId) {
        ctx.writeAndFlush(error.toFrame(ctx.alloc(), sequenceId & 0xff, info.capabilities()));
    }

    @Override
    public void reply(TextResultSet result) {
        ctx.writeAndFlush(result.toFrames(ctx.alloc(), tracker.status(), info.capabilities()));
    }

    @Override
    public void respond(ByteBuf response) {
        sequence.responded();
        ctx.writeAndFlush(response, ctx.voidPromise());
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.stats.QueryRole;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.wire.Packets;
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
    private HoldWatch holds;
    private LegFailures failures;
    private ChannelHandlerContext ctx;
    /** Whether the command in flight still expects frames from the client: the rest of its packet, or an upload. */
    private boolean awaitingClientFrames;

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
    void attach(SessionTracker tracker, HoldWatch holds, LegFailures failures) {
        this.tracker = tracker;
        this.holds = holds;
        this.failures = failures;
    }

    /** The client's channel, once the session stage is in its pipeline. */
    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** The session takes up a command whose first frame is {@code frame}. */
    void commandStarted(ByteBuf frame) {
        awaitingClientFrames = Packets.payloadLength(frame) == Packets.MAX_PAYLOAD
                && ClientCommandFramer.continues(Packets.firstPayloadByte(frame));
    }

    /**
     * Whether the command in flight still expects frames from the client (the rest of a packet of
     * 16 MiB or more, or a LOCAL INFILE upload). Tracked as the session takes frames up, not as they
     * arrive: a command queued behind the one in flight does not count.
     */
    boolean awaitingClientFrames() {
        return awaitingClientFrames;
    }

    /** A frame that belongs to {@code cmd}, the command in flight (or to one that already ended: then it is dropped). */
    void following(Command cmd, FollowingFrame following) {
        ByteBuf frame = following.content();
        if (following.last()) {
            awaitingClientFrames = false;
        }
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
                if (cmd.type().response() == CommandType.Response.NONE) {
                    // COM_STMT_SEND_LONG_DATA of 16 MiB or more: over once all of it went out.
                    session.finish(cmd);
                }
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
        awaitingClientFrames = true;
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
            long nanos = System.nanoTime() - cmd.sentAt();
            metrics.completed(leg.backend(), nanos, failed);
            if (cmd.digest() != null) {
                cmd.digest()
                        .record(
                                QueryRole.of(leg.backend().role()),
                                nanos,
                                leg.connection().lastResponseRows(),
                                failed);
            }
        }
        tracker.afterCommand(cmd, leg, status, failed);
        holds.check();
        if (awaitingClientFrames) {
            // Answered before the server had all of the command: it refused the packet part way (MySQL does,
            // over its max_allowed_packet) and reads what follows as commands. The rest is dropped as it comes.
            // The answer is flushed now: once the leg is closed, its end of read no longer reaches the client.
            ctx.flush();
            failures.outOfStep(leg);
        }
        session.finish(cmd);
    }

    /** A large upload: read the client only while the backend keeps up. */
    @Override
    public void legWritabilityChanged() {
        session.updateReading();
    }

    @Override
    public boolean mayResend(Leg leg) {
        Command cmd = session.current();
        return cmd != null && cmd.leg() == leg && cmd.retryable() && !sequence.hasResponded() && !awaitingClientFrames;
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
    public void replyOkMoreResults(int sequenceId) {
        int status = tracker.status() | ServerStatus.MORE_RESULTS_EXISTS.mask();
        ctx.writeAndFlush(OkPacket.of(status).toFrame(ctx.alloc(), sequenceId, info.capabilities()));
        // The command goes on: an error sent in its course comes after this OK.
        sequence.relayed(sequenceId);
    }

    @Override
    public void reply(ErrPacket error, int sequenceId) {
        ctx.writeAndFlush(error.toFrame(ctx.alloc(), sequenceId & 0xff, info.capabilities()));
    }

    @Override
    public void reply(TextResultSet result) {
        ctx.writeAndFlush(
                result.toFrames(ctx.alloc(), tracker.status(), info.capabilities(), info.mariaDbCapabilities()));
    }

    @Override
    public void respond(ByteBuf response) {
        sequence.responded();
        ctx.writeAndFlush(response, ctx.voidPromise());
    }
}

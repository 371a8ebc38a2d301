package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.ErrorLogText;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The command phase of one client, the last stage of its channel, after {@link ClientCommandFramer}
 * has sorted its frames. One command is in flight at a time: {@link CommandIntake} starts it, its
 * bytes pass through {@link ClientExchange}, and it ends with {@link #finish}. Commands a client
 * pipelines wait in {@link PipelinedCommands}, and the client is not read while anything waits or
 * while the backend cannot take more bytes. The other concerns have rooms of their own: the change
 * of user ({@link UserChange}), idleness ({@link SessionIdleTimer}), lost legs ({@link LegFailures})
 * and the end of the session ({@link SessionEnd}).
 */
public final class FrontendSession extends ChannelInboundHandlerAdapter implements SessionParts.Owner {

    private static final Logger log = LoggerFactory.getLogger(FrontendSession.class);

    private final SessionServices services;
    private final SessionIdentity identity;
    private final Channel channel;
    private final ClientSequence sequence = new ClientSequence();
    private final ClientExchange exchange;
    private final PipelinedCommands queued = new PipelinedCommands();
    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final CommandIntake intake;
    private final SessionIdleTimer idle;
    private final UserChange userChange;
    private final SessionEnd end;
    private final HoldWatch holds;
    private ChannelHandlerContext ctx;
    private Command current;

    private FrontendSession(
            SessionIdentity identity,
            LoginConnections.Started first,
            SessionServices services,
            ClientCommandFramer framer,
            Channel channel) {
        this.identity = identity;
        this.services = services;
        this.channel = channel;
        SessionParts parts = SessionParts.wire(this, identity, first, services, framer, channel, sequence);
        this.exchange = parts.exchange();
        this.legs = parts.legs();
        this.tracker = parts.tracker();
        this.intake = parts.intake();
        this.idle = parts.idle();
        this.userChange = parts.userChange();
        this.end = parts.end();
        this.holds = parts.holds();
    }

    /**
     * An authenticated client's command phase begins: {@code handshake} (its login stage) gives way to
     * the framing and session stages, and the session goes on with {@code first}, its login's connection (the
     * primary's, or a replica's while the primary is away).
     */
    public static void start(
            ChannelPipeline pipeline,
            ChannelHandler handshake,
            SessionInfo info,
            BackendLogin login,
            LoginConnections.Started first,
            SessionServices services) {
        ClientCommandFramer framer = new ClientCommandFramer(info.maxAllowedPacket());
        FrontendSession session =
                new FrontendSession(new SessionIdentity(info, login), first, services, framer, pipeline.channel());
        pipeline.replace(handshake, FrontendPipeline.COMMAND_FRAMES, framer)
                .addAfter(FrontendPipeline.COMMAND_FRAMES, FrontendPipeline.SESSION, session);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        exchange.attach(ctx);
        services.sessions().add(identity.info().connectionId(), end);
        idle.start();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        idle.clientActive();
        if (end.closing()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (mustWait(msg instanceof FollowingFrame)) {
            queue(msg);
            return;
        }
        process(msg);
    }

    /**
     * Whether a frame must wait its turn: while a response is awaited, only the rest of the current
     * command (a continuation or an upload) goes through; a pipelined next command waits.
     */
    private boolean mustWait(boolean following) {
        return !queued.isEmpty() || waiting() || (current != null && !following);
    }

    private void queue(Object msg) {
        if (!queued.add(msg)) {
            end.abort(
                    ProxyErrors.malformedPacket("more than " + PipelinedCommands.LIMIT + " pipelined commands"),
                    "client pipelined too many commands");
        }
        updateReading();
    }

    /** Whether the next command must wait for something other than a command in flight. */
    private boolean waiting() {
        return userChange.inProgress() || idle.returning();
    }

    private void process(Object msg) {
        if (msg instanceof ClientProtocolViolation violation) {
            end.abort(violation.error(), violation.getMessage());
            return;
        }
        if (msg instanceof FollowingFrame following) {
            sequence.clientPacket(following.sequence());
            exchange.following(current, following);
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        int code = Packets.firstPayloadByte(frame);
        CommandType command = code < 0 ? null : CommandType.of(code);
        if (command == CommandType.CHANGE_USER) {
            sequence.commandStarted();
            userChange.start(ctx, frame);
            updateReading();
            return;
        }
        if (command == null || command.response() == CommandType.Response.NOT_SUPPORTED) {
            frame.release();
            exchange.reply(ProxyErrors.unknownCommand(Math.max(code, 0)), 1);
            return;
        }
        sequence.commandStarted();
        switch (command) {
            case QUIT -> {
                frame.release();
                end.close();
            }
            case PING -> {
                frame.release();
                exchange.replyOk(1);
            }
            default -> {
                exchange.commandStarted(frame);
                intake.start(command, frame);
                if (current == null) {
                    holds.check(); // answered at once, or never: COM_STMT_CLOSE, a reset with no connection to reset
                }
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current != null && current.sent()) {
            current.leg().connection().flush();
        }
        ctx.fireChannelReadComplete();
    }

    // The command in flight.

    @Override
    public void begin(Command cmd) {
        current = cmd;
        updateReading();
    }

    @Override
    public Command current() {
        return current;
    }

    @Override
    public boolean isCurrent(Command cmd) {
        return !end.closing() && current == cmd;
    }

    @Override
    public boolean awaitingClientFrames() {
        return exchange.awaitingClientFrames();
    }

    @Override
    public boolean midCommand() {
        return current != null || exchange.awaitingClientFrames() || userChange.inProgress();
    }

    @Override
    public void fail(Command cmd, ErrPacket error) {
        log.info("{}: {} failed: {}", identity.logPrefix(), cmd.type(), ErrorLogText.of(error, log));
        if (cmd.type().response() != CommandType.Response.NONE) {
            exchange.reply(error, 1 + cmd.packetsAhead());
        }
        finish(cmd);
    }

    @Override
    public void finish(Command cmd) {
        if (current == cmd) {
            current = null;
        }
        cmd.release();
        holds.check();
        idle.commandFinished();
        nextCommand();
    }

    @Override
    public SessionInfo info() {
        return identity.info();
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public BackendLogin borrowLogin() {
        return identity.borrowLogin(tracker.state().schema());
    }

    // Flow control: reading stays on between commands (toggling it costs an epoll_ctl per statement);
    // it stops only while commands wait or the backend cannot take more bytes.

    /**
     * Runs what waited for the session to be free, then ends a draining session at a transaction boundary.
     * The continuation of a queued 16 MiB command follows it out even though that command is now in flight.
     */
    private void nextCommand() {
        while (!end.closing() && (current == null || queued.nextFollows()) && !waiting() && !queued.isEmpty()) {
            Object next = queued.poll();
            try {
                process(next);
            } catch (RuntimeException e) {
                // Called from a backend's response: what the client's command threw is the client's, not the backend's.
                end.abort(e);
                return;
            }
        }
        if (current != null && current.sent()) {
            // Frames taken from the queue went to the leg with no client read to flush them.
            current.leg().connection().flush();
        }
        updateReading();
        end.endIfDrained();
    }

    @Override
    public void updateReading() {
        boolean writable =
                current == null || !current.sent() || current.leg().connection().isWritable();
        channel.config().setAutoRead(!end.closing() && queued.isEmpty() && writable);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        legs.autoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userChangeEnded() {
        nextCommand();
    }

    @Override
    public void idleTimedOut(long idleNanos) {
        String reason = "idle for " + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s, its wait_timeout";
        end.idleExpired(reason, tracker.waitTimeout().announced());
    }

    @Override
    public void legsReturned() {
        if (!end.closing()) {
            nextCommand();
        }
    }

    // The end of the session.

    @Override
    public boolean closing() {
        return end.closing();
    }

    @Override
    public boolean atTransactionBoundary() {
        return current == null && !waiting() && queued.isEmpty() && !tracker.inTransaction();
    }

    @Override
    public boolean mayClose(Leg leg) {
        return (current == null || !current.uses(leg))
                && !tracker.holdsState(leg)
                && !userChange.inProgress()
                && !idle.returning();
    }

    @Override
    public void abort(ErrPacket error, String reason) {
        end.abort(error, reason);
    }

    @Override
    public void abort(ErrPacket error, int sequenceId, String reason) {
        end.abort(error, sequenceId, reason);
    }

    @Override
    public void closeSession() {
        end.close();
    }

    @Override
    public ProcessListRow processListRow() {
        String text = current == null ? null : intake.textOf(current);
        return ProcessListRow.of(identity.info(), tracker.state().schema(), current, idle.sinceActivity(), text);
    }

    @Override
    public void releaseCommands() {
        if (current != null) {
            current.release();
            current = null;
        }
        queued.releaseAll();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        services.sessions().remove(identity.info().connectionId(), end);
        idle.stop();
        end.closed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ClientProtocolViolation violation && !end.closing() && mustWait(violation.following())) {
            // Answered in the bad frame's turn: the commands pipelined before it are answered first.
            queue(violation);
            return;
        }
        end.abort(cause);
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        queued.releaseAll();
    }

    @Override
    public String toString() {
        SessionInfo info = identity.info();
        return "session " + info.connectionId() + " (" + info.user() + "@" + info.remote() + ", "
                + tracker.consistency().name().toLowerCase(Locale.ROOT) + ")";
    }
}

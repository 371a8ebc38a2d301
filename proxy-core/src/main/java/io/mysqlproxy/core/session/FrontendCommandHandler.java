package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.route.RouteReason;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The command phase of one client, on the client's channel: it frames the client's commands and
 * starts each ({@link ClientCommands}): most are classified, routed (writes, transactions and
 * session-bound work to the primary, plain reads to a replica) and sent to the session's leg on
 * that backend ({@link CommandDispatch}). The response comes back as relayed bytes, and what the
 * command changed in the session is noted ({@link SessionTracker}).
 *
 * <p>One command is in flight at a time: commands a client pipelines wait in a short queue, and the
 * client is not read while anything waits or while the backend cannot take more bytes. Towards the
 * backend, reading stops while the client's channel is not writable, so a slow client never makes
 * the proxy hold a result set. Continuations of 16 MiB+ commands and LOCAL INFILE uploads pass
 * through to the leg of the command in flight; COM_CHANGE_USER, the idle timeout and errors that
 * end the session are handled here too.
 */
public final class FrontendCommandHandler extends ChannelInboundHandlerAdapter implements Leg.Owner {

    private static final Logger log = LoggerFactory.getLogger(FrontendCommandHandler.class);
    /** Commands a client may pipeline before the proxy stops reading it. */
    private static final int MAX_QUEUED = 64;

    private final SessionServices services;
    private SessionInfo info;
    private BackendLogin login;
    private final PreparedStatements statements = new PreparedStatements();
    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final CommandDispatch dispatch;
    private final SessionKill kills;
    private final ClientCommands commands;
    /** Non-null while a COM_CHANGE_USER is being authenticated. */
    private ChangeUserExchange changeUser;
    private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Command current;
    private boolean uploading;
    /** The command whose packet continues in the next frame (a logical packet of 16 MiB or more). */
    private CommandType continuing;
    private long logicalLength;
    private int nextClientSequence;
    private int lastClientSequence;
    private boolean responded;
    private int lastResponseSequence;
    private boolean closing;
    /** The proxy is shutting down: end the session at its next transaction boundary. */
    private boolean draining;
    private long lastActivity;
    private ScheduledFuture<?> idleCheck;
    /** System.nanoTime() at which {@link #idleCheck} runs. */
    private long idleCheckAt;
    /** backends.pool.return-after-idle in nanoseconds; 0: legs stay until the session ends. */
    private final long returnAfterIdle;
    /** Non-null while an idle session's primary leg is read before it goes back to its pool. */
    private IdleLegReturn returning;

    public FrontendCommandHandler(SessionInfo info, BackendLogin login, BackendConnection primaryConnection,
                                  SessionServices services) {
        this.info = info;
        this.login = login;
        this.services = services;
        this.returnAfterIdle = services.returnAfterIdle().toNanos();
        this.legs = new SessionLegs(services, this, statements);
        this.tracker = new SessionTracker(legs, new ReadYourWrites(services.routing().consistencyWaitTimeout()),
                new SessionState(login.database(), login.characterSet(), services.consistencyOf(info.user())),
                primaryConnection.loginOk().statusFlags());
        legs.adopt(services.topology().primary(), primaryConnection);
        this.dispatch = new CommandDispatch(this, services, legs, tracker, statements);
        this.kills = new SessionKill(this, services);
        this.commands = new ClientCommands(this, services, legs, tracker, statements, dispatch,
                new StatementCommands(this, services, tracker, dispatch, statements), kills,
                new AdminStatements(this, services, tracker, dispatch));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        services.sessions().add(info.connectionId(), this);
        lastActivity = System.nanoTime();
        armIdleCheck(lastActivity + nextIdleStep());
    }

    // ---- idle sessions: legs go back to their pools after return-after-idle; the session ends after
    // ---- the idle timeout, like MySQL's wait_timeout. Both count from the end of the last command.

    /** Makes sure the idle check runs by {@code deadline} (System.nanoTime()). */
    private void armIdleCheck(long deadline) {
        if (idleCheck != null) {
            if (idleCheckAt - deadline <= 0) {
                return;
            }
            idleCheck.cancel(false);
        }
        idleCheckAt = deadline;
        idleCheck = ctx.executor().schedule(this::checkIdle, Math.max(0, deadline - System.nanoTime()),
                TimeUnit.NANOSECONDS);
    }

    /** Time from the last activity to the next thing an idle session may have to do. */
    private long nextIdleStep() {
        long timeout = info.idleTimeout().toNanos();
        return returnAfterIdle > 0 && legs.holdsAny() ? Math.min(timeout, returnAfterIdle) : timeout;
    }

    private void checkIdle() {
        idleCheck = null;
        if (closing) {
            return;
        }
        long now = System.nanoTime();
        if (busy()) {
            armIdleCheck(now + nextIdleStep());
            return;
        }
        long idle = now - lastActivity;
        if (idle >= info.idleTimeout().toNanos()) {
            responded = false;
            lastClientSequence = -1;
            abort(ProxyErrors.idleTimeout(), "idle for " + TimeUnit.NANOSECONDS.toSeconds(idle) + " s");
            return;
        }
        if (returnAfterIdle > 0 && idle >= returnAfterIdle && legs.holdsAny() && tracker.mayReturnLegs()) {
            returnLegs();
        }
        // Before return-after-idle the next step may be the return; after it, only the idle timeout.
        armIdleCheck(lastActivity + (idle < returnAfterIdle ? nextIdleStep() : info.idleTimeout().toNanos()));
    }

    private void returnLegs() {
        IdleLegReturn giving = new IdleLegReturn(legs, tracker, statements, this::legsReturned);
        returning = giving;
        if (!giving.start()) {
            returning = null;
        }
        log.debug("[conn {}] {}: idle, {} backend connections", info.connectionId(), info.remote(),
                returning != null ? "reading the primary connection before giving back its"
                        : legs.holdsAny() ? "gave back some of its" : "gave back its");
    }

    /** The idle return's asynchronous step ended; commands the client sent meanwhile may run. */
    private void legsReturned() {
        returning = null;
        if (!closing) {
            drainQueue();
            endIfDrainedAndIdle();
        }
    }

    // ---- client frames ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        lastActivity = System.nanoTime();
        if (closing) {
            frame.release();
            return;
        }
        if (changeUser != null) {
            try {
                changeUser.onClientPacket(Packets.sequenceId(frame), Packets.payload(frame));
            } finally {
                frame.release();
            }
            return;
        }
        // While a response is awaited, only the rest of the current command (a 16 MiB continuation
        // or a LOCAL INFILE upload) goes through; a pipelined next command waits its turn.
        if (!queued.isEmpty() || returning != null || (current != null && !uploading && continuing == null)) {
            queued.add(frame);
            if (queued.size() > MAX_QUEUED) {
                abort(ProxyErrors.malformedPacket("more than " + MAX_QUEUED + " pipelined commands"),
                        "client pipelined too many commands");
            }
            updateReading();
            return;
        }
        process(frame);
    }

    private void process(ByteBuf frame) {
        int sequence = Packets.sequenceId(frame);
        int length = Packets.payloadLength(frame);
        if (uploading) {
            forwardUpload(frame, sequence, length);
            return;
        }
        if (continuing != null) {
            forwardContinuation(frame, sequence, length);
            return;
        }
        if (sequence != 0) {
            frame.release();
            abort(ProxyErrors.packetsOutOfOrder(0, sequence), "command with sequence id " + sequence);
            return;
        }
        if (length > info.maxAllowedPacket()) {
            frame.release();
            abort(ProxyErrors.packetTooLarge(info.maxAllowedPacket()), "command of " + length + " bytes");
            return;
        }
        int code = Packets.firstPayloadByte(frame);
        CommandType command = code < 0 ? null : CommandType.of(code);
        if (command == CommandType.CHANGE_USER) {
            try {
                startChangeUser(Packets.payload(frame));
            } finally {
                frame.release();
            }
            return;
        }
        if (command == null || command.response() == CommandType.Response.NOT_SUPPORTED) {
            frame.release();
            reply(code < 0 ? ProxyErrors.unknownCommand(0) : ProxyErrors.unknownCommand(code), 1);
            return;
        }
        lastClientSequence = 0;
        logicalLength = length;
        responded = false;
        switch (command) {
            case QUIT -> {
                frame.release();
                closeSession();
            }
            case PING -> {
                frame.release();
                replyOk(1);
            }
            // COM_STMT_CLOSE gets no response: it never becomes the command in flight, nor continues.
            case STMT_CLOSE -> commands.start(command, frame);
            default -> {
                if (length == Packets.MAX_PAYLOAD) {
                    continuing = command;
                    nextClientSequence = 1;
                }
                commands.start(command, frame);
            }
        }
    }

    private void forwardContinuation(ByteBuf frame, int sequence, int length) {
        if (sequence != nextClientSequence) {
            frame.release();
            abort(ProxyErrors.packetsOutOfOrder(nextClientSequence, sequence), "continuation out of order");
            return;
        }
        logicalLength += length;
        if (logicalLength > info.maxAllowedPacket()) {
            frame.release();
            abort(ProxyErrors.packetTooLarge(info.maxAllowedPacket()),
                    "command of more than " + info.maxAllowedPacket() + " bytes");
            return;
        }
        lastClientSequence = sequence;
        nextClientSequence = (sequence + 1) & 0xff;
        if (length < Packets.MAX_PAYLOAD) {
            continuing = null;
        }
        if (current != null && current.sent()) {
            current.leg.connection().write(frame);
        } else if (current != null) {
            current.hold(frame);
        } else {
            frame.release();
        }
    }

    private void forwardUpload(ByteBuf frame, int sequence, int length) {
        lastClientSequence = sequence;
        Leg leg = current.leg;
        leg.connection().write(frame);
        if (length == 0) {
            // The empty packet ends the upload; the server answers with OK or ERR.
            uploading = false;
            leg.connection().flush();
            updateReading();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current != null && current.sent()) {
            current.leg.connection().flush();
        }
        ctx.fireChannelReadComplete();
    }

    // ---- COM_CHANGE_USER: while the new user authenticates, the client's packets go to the exchange ----

    private void startChangeUser(ByteBuf payload) {
        changeUser = new ChangeUserExchange(ctx, services, info, new ChangeUserExchange.Outcome() {
            @Override
            public void changed(BackendConnection fresh, BackendLogin newLogin, UserAccount user, int okSequence) {
                changeUser = null;
                if (closing) {
                    services.pool(services.topology().primary()).release(fresh);
                    return;
                }
                legs.releaseAll();
                statements.clear();
                login = newLogin;
                info = info.withUser(user.name());
                OkPacket loginOk = fresh.loginOk();
                tracker.startOver(new SessionState(newLogin.database(), newLogin.characterSet(),
                        services.consistencyOf(user.name())), loginOk.statusFlags());
                legs.adopt(services.topology().primary(), fresh);
                lastActivity = System.nanoTime();
                armIdleCheck(lastActivity + nextIdleStep());
                ctx.writeAndFlush(new OkPacket(OkPacket.HEADER, 0, 0, loginOk.statusFlags(), loginOk.warnings(),
                        null, null).toFrame(ctx.alloc(), okSequence, info.capabilities()));
                log.debug("[conn {}] {}: changed user to '{}' on {}", info.connectionId(), info.remote(),
                        user.name(), fresh);
                drainQueue();
            }

            @Override
            public void refused(ErrPacket error, int sequence, String reason) {
                changeUser = null;
                abort(error, sequence, reason);
            }
        });
        updateReading();
        changeUser.start(payload);
    }

    // ---- the command in flight, for the classes that carry it out ----

    /** {@code cmd} is now the command in flight; pipelined commands wait until it is finished. */
    void begin(Command cmd) {
        current = cmd;
        updateReading();
    }

    Command current() {
        return current;
    }

    /** Whether an asynchronous step of {@code cmd} may go on: it is still the command in flight. */
    boolean isCurrent(Command cmd) {
        return !closing && current == cmd;
    }

    /** {@link #isCurrent}, for a step that was waiting on {@link Command#waitingOn} and no longer is. */
    boolean stillCurrent(Command cmd) {
        cmd.waitingOn = null;
        return isCurrent(cmd);
    }

    /** Whether the client is mid-command: one in flight, its upload or continuation, or a change of user. */
    boolean midCommand() {
        return current != null || uploading || continuing != null || changeUser != null;
    }

    /** {@link #midCommand}, or the proxy is reading an idle session's primary leg before giving it back. */
    private boolean busy() {
        return midCommand() || returning != null;
    }

    /** Fails the current command with {@code error} where the client expects its response. */
    void fail(Command cmd, ErrPacket error) {
        log.info("[conn {}] {}: {} failed: {}", info.connectionId(), info.remote(), cmd.type, error.message());
        if (cmd.type.response() != CommandType.Response.NONE) {
            reply(error, 1);
        }
        finish(cmd);
    }

    /** The command is over: the next queued one may run. */
    void finish(Command cmd) {
        if (current == cmd) {
            current = null;
        }
        cmd.release();
        lastActivity = System.nanoTime();
        if (returnAfterIdle > 0) {
            armIdleCheck(lastActivity + returnAfterIdle);
        }
        if (!queued.isEmpty()) {
            drainQueue();
        } else {
            updateReading();
        }
        endIfDrainedAndIdle();
    }

    /**
     * The proxy is shutting down: the session ends as soon as no command runs and no transaction
     * is open, so that no transaction is cut in half; at once if it is idle now. Any thread.
     */
    void drain() {
        ctx.executor().execute(() -> {
            draining = true;
            endIfDrainedAndIdle();
        });
    }

    /** The proxy stops: a command or transaction still running is cut, with error 1053. Any thread. */
    void shutDown(String reason) {
        ctx.executor().execute(() -> abort(ProxyErrors.serverShutdown(), reason));
    }

    private void endIfDrainedAndIdle() {
        if (draining && !closing && current == null && changeUser == null && returning == null && queued.isEmpty()
                && !tracker.inTransaction()) {
            log.info("[conn {}] {}: session closed at a transaction boundary: the proxy is shutting down",
                    info.connectionId(), info.remote());
            closeSession();
        }
    }

    SessionInfo info() {
        return info;
    }

    SessionKill kills() {
        return kills;
    }

    boolean closing() {
        return closing;
    }

    EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /** The session's login with its current schema, for borrowing another connection of its user. */
    BackendLogin borrowLogin() {
        return new BackendLogin(login.user(), login.password(), login.clientCapabilities(), login.characterSet(),
                tracker.state().schema(), login.attributes());
    }

    // ---- responses ----

    @Override
    public void forward(Leg leg, ByteBuf bytes, int lastSequenceId) {
        responded = true;
        lastResponseSequence = lastSequenceId;
        ctx.write(bytes, ctx.voidPromise());
        if (!ctx.channel().isWritable()) {
            leg.connection().setAutoRead(false);
        }
    }

    /** Passes on a whole response the proxy collected (a COM_STMT_PREPARE's, renumbered). */
    void respond(ByteBuf response) {
        responded = true;
        ctx.writeAndFlush(response, ctx.voidPromise());
    }

    @Override
    public void flushClient() {
        ctx.flush();
    }

    @Override
    public void localInfileRequested(Leg leg) {
        uploading = true;
        ctx.flush();
        updateReading();
    }

    @Override
    public void responseComplete(Leg leg, int status, boolean failed) {
        Command cmd = current;
        if (cmd == null || cmd.leg != leg) {
            return;
        }
        if (cmd.sentAt != 0) {
            services.metrics().completed(leg.backend(), System.nanoTime() - cmd.sentAt, failed);
        }
        tracker.afterCommand(cmd, leg, status, failed);
        finish(cmd);
    }

    @Override
    public void legFailed(Leg leg, String reason) {
        if (closing) {
            return;
        }
        Command cmd = current;
        boolean inUse = cmd != null && (cmd.leg == leg || cmd.waitingOn == leg);
        boolean heldState = tracker.holdsState(leg);
        legs.drop(leg);
        if (inUse && cmd.leg == null && leg.backend().role() == BackendRole.REPLICA) {
            // Lost while the proxy was preparing it for a read: the read goes elsewhere, unseen.
            log.warn("[conn {}] {}: {} failed before the read was sent ({}); using the primary", info.connectionId(),
                    info.remote(), leg, reason);
            dispatch.redirect(cmd, RouteReason.NO_REPLICA);
            return;
        }
        if (inUse && cmd.leg == leg && cmd.retryFrame != null && !responded && !uploading && continuing == null) {
            log.warn("[conn {}] {}: {} failed during a read ({}); reading again elsewhere", info.connectionId(),
                    info.remote(), leg, reason);
            dispatch.retry(cmd);
            return;
        }
        if (inUse || uploading || continuing != null) {
            log.warn("[conn {}] {}: {} failed during a command: {}", info.connectionId(), info.remote(), leg, reason);
            abort(ProxyErrors.backendLost(leg.connection().address(), reason), reason);
        } else if (heldState) {
            log.warn("[conn {}] {}: {} closed holding the session's transaction, locks or temporary tables: {}",
                    info.connectionId(), info.remote(), leg, reason);
            closeSession();
        } else {
            log.info("[conn {}] {}: {} closed while idle ({}); the session continues on a new connection",
                    info.connectionId(), info.remote(), leg, reason);
        }
        if (returning != null && returning.waitsOn(leg)) {
            returning.abandon();
            legsReturned();
        }
    }

    void replyOk(int sequence) {
        ctx.writeAndFlush(OkPacket.of(tracker.status()).toFrame(ctx.alloc(), sequence, info.capabilities()));
    }

    void reply(ErrPacket error, int sequence) {
        ctx.writeAndFlush(error.toFrame(ctx.alloc(), sequence & 0xff, info.capabilities()));
    }

    /** Answers the command with a result set the proxy computed (its admin statements). */
    void reply(TextResultSet result) {
        ctx.writeAndFlush(result.toFrames(ctx.alloc(), tracker.status(), info.capabilities()));
    }

    // ---- flow control ----

    private void drainQueue() {
        while (!closing && current == null && changeUser == null && returning == null && !queued.isEmpty()) {
            process(queued.poll());
        }
        updateReading();
    }

    private void updateReading() {
        // Reading stays on between commands (toggling it costs an epoll_ctl per statement); it stops
        // only when a client pipelines commands or the backend cannot take more bytes.
        boolean writable = current == null || current.leg == null || current.leg.connection().isWritable();
        boolean read = !closing && queued.isEmpty() && writable;
        ctx.channel().config().setAutoRead(read);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        legs.autoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    /** A large upload: read the client only while the backend keeps up. */
    @Override
    public void legWritabilityChanged() {
        updateReading();
    }

    // ---- the end of the session ----

    /** Sends the client an error where it expects the next packet, then closes both legs. */
    void abort(ErrPacket error, String reason) {
        abort(error, responded ? lastResponseSequence + 1 : lastClientSequence + 1, reason);
    }

    private void abort(ErrPacket error, int sequence, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        log.info("[conn {}] {}: closing session: {}", info.connectionId(), info.remote(), reason);
        legs.discardAll();
        if (current != null) {
            current.release();
            current = null;
        }
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(error.toFrame(ctx.alloc(), sequence & 0xff, Capability.PROTOCOL_41.mask()))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        releaseQueued();
    }

    /** The session ends normally: legs go back to their pools (reset there), and the client is closed. */
    void closeSession() {
        closing = true;
        legs.releaseAll();
        // The last answer may still wait for a flush (a drained session closes right after COMMIT's OK).
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        services.sessions().remove(info.connectionId(), this);
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        legs.releaseAll();
        if (current != null) {
            current.release();
            current = null;
        }
        releaseQueued();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            abort(ProxyErrors.packetTooLarge(info.maxAllowedPacket()), cause.getMessage());
        } else {
            abort(ProxyErrors.malformedPacket(String.valueOf(cause.getMessage())), cause.toString());
        }
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseQueued();
    }

    private void releaseQueued() {
        ByteBuf frame;
        while ((frame = queued.poll()) != null) {
            frame.release();
        }
    }

    @Override
    public String toString() {
        return "session " + info.connectionId() + " (" + info.user() + "@" + info.remote() + ", "
                + tracker.consistency().name().toLowerCase(Locale.ROOT) + ")";
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.ResponseSink;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The command phase of one client: each command goes to the session's backend as it came, and
 * the response comes back as relayed bytes. One command is in flight at a time: commands a
 * client pipelines wait in a short queue, and the client is not read while anything waits or
 * while the backend cannot take more bytes. Towards the backend, reading stops while the
 * client's channel is not writable, so a slow client never makes the proxy hold a result set.
 */
public final class FrontendCommandHandler extends ChannelInboundHandlerAdapter implements ResponseSink {

    private static final Logger log = LoggerFactory.getLogger(FrontendCommandHandler.class);
    /** Commands a client may pipeline before the proxy stops reading it. */
    private static final int MAX_QUEUED = 64;

    private final SessionServices services;
    private SessionInfo info;
    private BackendConnection backend;
    /** Non-null while a COM_CHANGE_USER is being authenticated. */
    private ChangeUserExchange changeUser;
    private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean inFlight;
    private boolean uploading;
    /** The command whose packet continues in the next frame (a logical packet of 16 MiB or more). */
    private CommandType continuing;
    private long logicalLength;
    private int nextClientSequence;
    private int lastClientSequence;
    private boolean responded;
    private int lastResponseSequence;
    private boolean closing;
    private long lastActivity;
    private ScheduledFuture<?> idleCheck;

    public FrontendCommandHandler(SessionInfo info, BackendConnection backend, SessionServices services) {
        this.info = info;
        this.backend = backend;
        this.services = services;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        lastActivity = System.nanoTime();
        scheduleIdleCheck(info.idleTimeout().toNanos());
    }

    // ---- idle timeout, like MySQL's wait_timeout: time since the last command ended ----

    private void scheduleIdleCheck(long delayNanos) {
        idleCheck = ctx.executor().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        if (closing) {
            return;
        }
        long timeout = info.idleTimeout().toNanos();
        if (inFlight || uploading || continuing != null || changeUser != null) {
            scheduleIdleCheck(timeout);
            return;
        }
        long idle = System.nanoTime() - lastActivity;
        if (idle >= timeout) {
            responded = false;
            lastClientSequence = -1;
            abort(ProxyErrors.idleTimeout(), "idle for " + TimeUnit.NANOSECONDS.toSeconds(idle) + " s");
        } else {
            scheduleIdleCheck(timeout - idle);
        }
    }

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
        if (!queued.isEmpty() || (inFlight && !uploading && continuing == null)) {
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
        if (command == CommandType.QUIT) {
            frame.release();
            closing = true;
            backend.close();
            ctx.close();
            return;
        }
        lastClientSequence = 0;
        logicalLength = length;
        responded = false;
        inFlight = backend.beginCommand(command);
        if (length == Packets.MAX_PAYLOAD) {
            continuing = command;
            nextClientSequence = 1;
        }
        backend.write(frame);
        updateReading();
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
        backend.write(frame);
    }

    private void forwardUpload(ByteBuf frame, int sequence, int length) {
        lastClientSequence = sequence;
        backend.write(frame);
        if (length == 0) {
            // The empty packet ends the upload; the server answers with OK or ERR.
            uploading = false;
            backend.flush();
            updateReading();
        }
    }

    private void startChangeUser(ByteBuf payload) {
        changeUser = new ChangeUserExchange(ctx, services, info, new ChangeUserExchange.Outcome() {
            @Override
            public void changed(BackendConnection fresh, UserAccount user, int okSequence) {
                changeUser = null;
                if (closing) {
                    fresh.close();
                    return;
                }
                BackendConnection old = backend;
                old.detach();
                old.close();
                backend = fresh;
                backend.attach(FrontendCommandHandler.this);
                info = info.withUser(user.name());
                OkPacket loginOk = fresh.loginOk();
                ctx.writeAndFlush(new OkPacket(OkPacket.HEADER, 0, 0, loginOk.statusFlags(), loginOk.warnings(),
                        loginOk.info(), loginOk.sessionState()).toFrame(ctx.alloc(), okSequence, info.capabilities()));
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

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        backend.flush();
        ctx.fireChannelReadComplete();
    }

    // ---- ResponseSink: the backend's side ----

    @Override
    public void forward(ByteBuf bytes, int lastSequenceId) {
        responded = true;
        lastResponseSequence = lastSequenceId;
        ctx.write(bytes, ctx.voidPromise());
        if (!ctx.channel().isWritable()) {
            backend.setAutoRead(false);
        }
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void responseComplete(int status) {
        inFlight = false;
        lastActivity = System.nanoTime();
        // The client is flushed when the backend read that carried this end completes.
        if (!queued.isEmpty()) {
            drainQueue();
        }
    }

    @Override
    public void localInfileRequested() {
        uploading = true;
        ctx.flush();
        updateReading();
    }

    @Override
    public void backendFailed(String reason, Throwable cause) {
        if (closing) {
            return;
        }
        if (inFlight || uploading || continuing != null) {
            log.warn("[conn {}] {}: {} failed during a command: {}", info.connectionId(), info.remote(), backend, reason);
            abort(ProxyErrors.backendLost(backend.address(), reason), reason);
        } else {
            log.warn("[conn {}] {}: {} closed while the session was idle: {}", info.connectionId(), info.remote(),
                    backend, reason);
            closing = true;
            ctx.close();
        }
    }

    // ---- flow control ----

    private void drainQueue() {
        while (!closing && !inFlight && !queued.isEmpty()) {
            process(queued.poll());
        }
        backend.flush();
        updateReading();
    }

    private void updateReading() {
        // Reading stays on between commands (toggling it costs an epoll_ctl per statement); it stops
        // only when a client pipelines commands or the backend cannot take more bytes.
        boolean read = !closing && queued.isEmpty() && backend.isWritable();
        ctx.channel().config().setAutoRead(read);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        backend.setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    /** A large upload: read the client only while the backend keeps up. */
    @Override
    public void backendWritabilityChanged() {
        updateReading();
    }

    // ---- errors and the end of the session ----

    private void reply(ErrPacket error, int sequence) {
        ctx.writeAndFlush(error.toFrame(ctx.alloc(), sequence & 0xff, info.capabilities()));
    }

    /** Sends the client an error where it expects the next packet, then closes both legs. */
    private void abort(ErrPacket error, String reason) {
        abort(error, responded ? lastResponseSequence + 1 : lastClientSequence + 1, reason);
    }

    private void abort(ErrPacket error, int sequence, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        log.info("[conn {}] {}: closing session: {}", info.connectionId(), info.remote(), reason);
        backend.close();
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(error.toFrame(ctx.alloc(), sequence & 0xff, Capability.PROTOCOL_41.mask()))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        releaseQueued();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        backend.close();
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
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.report.SessionStatus;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * How a session ends, and what the registry, KILL and the shutdown may ask of it from any thread
 * ({@link LiveSession}). Normally (QUIT, KILL between commands, a drained shutdown) its legs go back
 * to their pools and the client is closed once the last answer is out. With an error (a protocol
 * violation, a lost backend, a kill mid-command, the idle timeout, the drain deadline) the client
 * gets the error where it expects its next packet and the legs are closed, since their state
 * cannot be trusted. A draining session ends at its next transaction boundary. Once ending, nothing
 * more runs.
 */
final class SessionEnd implements LiveSession {

    /** What ending needs of the session. */
    interface Session {
        /** Releases the command in flight and the frames waiting behind it. */
        void releaseCommands();

        /** Whether nothing runs or waits and no transaction is open: a draining session may end now. */
        boolean atTransactionBoundary();

        /** Whether {@code leg} may be closed now: no command uses it and it holds none of the session's state. */
        boolean mayClose(Leg leg);

        /** The session as SHOW PROCESSLIST lists it now. */
        ProcessListRow processListRow();
    }

    private static final Logger log = LoggerFactory.getLogger(SessionEnd.class);

    private final Session session;
    private final Channel channel;
    private final SessionIdentity identity;
    private final SessionLegs legs;
    private final ClientSequence sequence;
    private final SessionKill kills;
    private final SessionSnapshots snapshots;
    private final HoldWatch holds;
    private boolean closing;
    /** The proxy is shutting down: end the session at its next transaction boundary. */
    private boolean draining;

    SessionEnd(
            Session session,
            Channel channel,
            SessionIdentity identity,
            SessionLegs legs,
            ClientSequence sequence,
            SessionKill kills,
            SessionSnapshots snapshots,
            HoldWatch holds) {
        this.session = session;
        this.snapshots = snapshots;
        this.holds = holds;
        this.channel = channel;
        this.identity = identity;
        this.legs = legs;
        this.sequence = sequence;
        this.kills = kills;
    }

    boolean closing() {
        return closing;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public void drain() {
        channel.eventLoop().execute(() -> {
            draining = true;
            endIfDrained();
        });
    }

    @Override
    public void shutDown(String reason) {
        channel.eventLoop().execute(() -> abort(ProxyErrors.serverShutdown(), reason));
    }

    @Override
    public void backendDown(Backend backend) {
        channel.eventLoop().execute(() -> {
            Leg leg = legs.on(backend);
            if (leg != null && !closing && session.mayClose(leg)) {
                log.info("{}: {} is down: closing this session's idle connection there", identity.logPrefix(), leg);
                legs.drop(leg);
                leg.discard();
            }
        });
    }

    @Override
    public void killedBy(String user, boolean query, Promise<Boolean> outcome) {
        kills.killedBy(user, query, outcome);
    }

    @Override
    public void describeFor(String user, boolean everyone, Promise<ProcessListRow> row) {
        describe(user, everyone, session::processListRow, row, "SHOW PROCESSLIST");
    }

    @Override
    public void statusFor(String user, boolean everyone, Promise<SessionStatus> status) {
        describe(user, everyone, snapshots::take, status, "SHOW PROXY SESSIONS");
    }

    /** Completes {@code out} on this session's loop with what {@code what} says of it, or null if {@code user} may not see it. */
    private <T> void describe(String user, boolean everyone, Supplier<T> what, Promise<T> out, String purpose) {
        try {
            channel.eventLoop().execute(() -> {
                try {
                    boolean visible = everyone || identity.info().user().equals(user);
                    out.trySuccess(closing || !visible ? null : what.get());
                } catch (RuntimeException e) {
                    // The asker waits for this answer: it goes without it rather than never answering.
                    log.warn("{}: describing the session for {} failed", identity.logPrefix(), purpose, e);
                    out.trySuccess(null);
                }
            });
        } catch (RejectedExecutionException e) {
            // The loop is shutting down, and this session with it.
            out.trySuccess(null);
        }
    }

    /** Ends a draining session if it is at a transaction boundary now. */
    void endIfDrained() {
        if (draining && !closing && session.atTransactionBoundary()) {
            log.info("{}: session closed at a transaction boundary: the proxy is shutting down", identity.logPrefix());
            close();
        }
    }

    /** Sends the client {@code error} where it expects the next packet, then closes the client and the legs. */
    void abort(ErrPacket error, String reason) {
        abort(error, sequence.next(), reason);
    }

    /** The client's bytes could not be followed, or the proxy failed on them: the session ends with an error. */
    void abort(Throwable cause) {
        if (cause instanceof ClientProtocolViolation violation) {
            abort(violation.error(), violation.getMessage());
        } else if (cause instanceof TooLongFrameException) {
            abort(ProxyErrors.packetTooLarge(identity.info().maxAllowedPacket()), cause.getMessage());
        } else if (cause instanceof ProtocolException) {
            // The proxy's own words on what is wrong with the client's bytes.
            abort(ProxyErrors.malformedPacket(cause.getMessage()), cause.toString());
        } else {
            // The proxy's own failure: its text stays in the log, the client gets the connection id to quote.
            log.warn("{}: unexpected failure", identity.logPrefix(), cause);
            abort(ProxyErrors.internalError(identity.info().connectionId()), cause.toString());
        }
    }

    void abort(ErrPacket error, int sequenceId, String reason) {
        if (!startAborting(reason)) {
            return;
        }
        if (channel.isActive()) {
            channel.writeAndFlush(error.toFrame(channel.alloc(), sequenceId & 0xff, Capability.PROTOCOL_41.mask()))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * The session was idle past its wait_timeout: MySQL's 4031 where the client expects its next packet
     * when {@code announced} (a MySQL primary), otherwise a close without a packet, as MariaDB does.
     */
    void idleExpired(String reason, boolean announced) {
        if (announced) {
            sequence.idle();
            abort(ProxyErrors.idleTimeout(), reason);
        } else {
            abortWithoutAnswer(reason);
        }
    }

    /** As {@link #abort(ErrPacket, String)}, but the client is closed without a packet, as MariaDB ends an idle one. */
    void abortWithoutAnswer(String reason) {
        if (startAborting(reason)) {
            // What the last command's answer may still hold in the channel goes out first.
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private boolean startAborting(String reason) {
        if (closing) {
            return false;
        }
        closing = true;
        log.info("{}: closing session: {}", identity.logPrefix(), reason);
        legs.discardAll();
        session.releaseCommands();
        return true;
    }

    /** The session ends normally: legs go back to their pools (reset there), and the client is closed. */
    void close() {
        closing = true;
        legs.releaseAll();
        // The last answer may still wait for a flush (a drained session closes right after COMMIT's OK).
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** The client's channel closed: whatever the session held goes back. */
    void closed() {
        closing = true;
        holds.ended();
        legs.releaseAll();
        session.releaseCommands();
    }
}

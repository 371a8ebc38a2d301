package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.ErrorLogText;
import io.mysqlproxy.core.classify.StatementKind;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.route.RouteDecision;
import io.mysqlproxy.core.route.RouteReason;
import io.mysqlproxy.core.route.RouteTarget;
import io.mysqlproxy.core.route.Router;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.result.BufferedResponse;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the router's decision for a client command into a leg, and sends the command there. The
 * decision names a backend, or the leg of the open transaction, of the previous statement or of the
 * prepared statement's cursor; if the session has no leg there, one is borrowed from the backend's
 * pool (asynchronously: the borrow goes on only while the command is still the session's current
 * one). {@link LegPreparation} makes the leg ready before the command goes out. When a replica
 * cannot serve, the router says where the command goes instead.
 */
final class LegDispatch {

    private static final Logger log = LoggerFactory.getLogger(LegDispatch.class);

    private final CommandContext session;
    private final ClientReplies replies;
    private final SessionBackends backends;
    private final SessionRouting routing;
    private final ProxyMetrics metrics;
    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final PreparedStatements statements;
    private final LegPreparation preparation;
    private final PrimaryWaits primaryWaits;

    LegDispatch(
            CommandContext session,
            ClientReplies replies,
            SessionBackends backends,
            SessionRouting routing,
            ProxyMetrics metrics,
            SessionLegs legs,
            SessionTracker tracker,
            PreparedStatements statements) {
        this.session = session;
        this.replies = replies;
        this.backends = backends;
        this.routing = routing;
        this.metrics = metrics;
        this.legs = legs;
        this.tracker = tracker;
        this.statements = statements;
        this.preparation = new LegPreparation(
                session,
                routing,
                legs,
                tracker,
                new GlobalReads(
                        routing.primaryPositions(),
                        () -> routing.routing().consistencyWaitTimeout(),
                        metrics.consistency()),
                this,
                statements);
        this.primaryWaits =
                new PrimaryWaits(session, tracker, backends.primaryBuffer(), cmd -> dispatch(cmd, cmd.decision()));
    }

    /** Resolves the decision to a leg (borrowing it if needed), then brings the leg up to date and sends. */
    void dispatch(Command cmd, RouteDecision decision) {
        cmd.route(decision);
        String refusal = backends.writeGate().refusal();
        if (refusal != null && decision.target() != RouteTarget.REPLICA && writes(cmd)) {
            primaryWaits.await(cmd, ProxyErrors.writesRefused(refusal));
            return;
        }
        if (log.isTraceEnabled()) {
            log.trace(
                    "[conn {}] {} {} -> {} (autocommit {}, transaction on {}, pins {})",
                    session.info().connectionId(),
                    cmd.type(),
                    cmd.classification(),
                    decision,
                    tracker.autocommit(),
                    legs.transactionLeg(),
                    tracker.pins());
        }
        switch (decision.target()) {
            case TRANSACTION, PREVIOUS -> {
                Leg leg = legs.following(decision.target());
                if (leg != null) {
                    preparation.syncThenSend(cmd, leg);
                } else {
                    withLeg(cmd, backends.topology().primary());
                }
            }
            case STATEMENT -> {
                // The cursor or long data is on this leg already: no session state or prepare to bring first.
                Leg leg = cmd.statement().stateLeg(cmd.type());
                if (cmd.type() == CommandType.STMT_EXECUTE) {
                    preparation.prepareThenSend(cmd, leg);
                } else {
                    send(cmd, leg);
                }
            }
            case PRIMARY -> withLeg(cmd, backends.topology().primary());
            case REPLICA -> {
                Backend replica = routing.balancer().choose(backends.topology(), checksWrites(decision));
                if (replica != null) {
                    withLeg(cmd, replica);
                    return;
                }
                RouteDecision instead = noReplica(decision);
                if (instead != null) {
                    dispatch(cmd, instead);
                } else {
                    session.fail(
                            cmd,
                            ProxyErrors.cannotConnect(
                                    "replicas",
                                    "no replica is usable and " + "routing.reads-fall-back-to-primary is off"));
                }
            }
        }
    }

    /**
     * The backend {@link #dispatch} would send a COM_QUERY with {@code decision} to now, for EXPLAIN
     * ROUTE: nothing is borrowed, counted or waited for, and the balancer takes no turn. A replica read
     * that a read-your-writes wait later sends to the primary shows its replica. Null when the read
     * would fail for want of a replica.
     */
    Backend preview(RouteDecision decision) {
        Backend primary = backends.topology().primary();
        return switch (decision.target()) {
            case TRANSACTION, PREVIOUS -> {
                Leg leg = legs.following(decision.target());
                yield leg != null ? leg.backend() : primary;
            }
            case STATEMENT, PRIMARY -> primary;
            case REPLICA -> {
                Backend replica = routing.balancer().preview(backends.topology(), checksWrites(decision));
                yield replica != null || noReplica(decision) == null ? replica : primary;
            }
        };
    }

    /** A read that waits for a position avoids replicas that just failed to reach one (their cooldown). */
    private static boolean checksWrites(RouteDecision decision) {
        return Router.waitsForPosition(decision);
    }

    private RouteDecision noReplica(RouteDecision decision) {
        boolean anyUsable = checksWrites(decision) && routing.balancer().preview(backends.topology(), false) != null;
        return routing.router().noReplica(decision, anyUsable, routing.routing().readsFallBackToPrimary());
    }

    /** Whether the command runs a statement that may change data (preparing one does not). */
    private static boolean writes(Command cmd) {
        return (cmd.type() == CommandType.QUERY || cmd.type() == CommandType.STMT_EXECUTE)
                && cmd.classification() != null
                && cmd.classification().mayWrite();
    }

    /** A replica could not serve the read: it goes where the router sends such reads. */
    void replicaUnavailable(Command cmd) {
        dispatch(cmd, routing.router().replicaUnavailable());
    }

    /** Finds or borrows this session's leg on {@code backend}, then continues with it. */
    private void withLeg(Command cmd, Backend backend) {
        Leg leg = legs.on(backend);
        if (leg != null) {
            preparation.syncThenSend(cmd, leg);
            return;
        }
        if (backend.role() == BackendRole.PRIMARY && PrimaryOutages.primaryDown(backends.topology())) {
            // Connecting would only wait for a refusal or a timeout: wait for the health monitor to see it back.
            primaryAway(cmd, ProxyErrors.cannotConnect(backend.name(), "health checks cannot reach it"));
            return;
        }
        Future<BackendConnection> borrowing =
                backends.pool(backend).borrow(session.eventLoop(), session.borrowLogin(), true, legs.preference());
        borrowing.addListener(f -> {
            if (!session.isCurrent(cmd)) {
                if (f.isSuccess()) {
                    backends.pool(backend).release(borrowing.getNow());
                }
                return;
            }
            if (!f.isSuccess()) {
                ErrPacket error =
                        f.cause() instanceof BackendException b ? b.error() : unexpected(backend.name(), f.cause());
                if (backend.role() == BackendRole.REPLICA) {
                    log.warn(
                            "[conn {}] {}: {} unavailable, reading from the primary: {}",
                            session.info().connectionId(),
                            session.info().remote(),
                            backend,
                            ErrorLogText.of(f.cause(), log));
                    replicaUnavailable(cmd);
                } else if (PrimaryOutages.isOutage(f.cause())) {
                    primaryAway(cmd, error);
                } else {
                    session.fail(cmd, error);
                }
                return;
            }
            preparation.syncThenSend(cmd, legs.adopt(backend, borrowing.getNow()));
        });
    }

    /** A borrow failed with an exception of no known kind: its text goes to the log, not to the client. */
    private ErrPacket unexpected(String backend, Throwable cause) {
        log.warn(
                "[conn {}] {}: borrowing from {} failed",
                session.info().connectionId(),
                session.info().remote(),
                backend,
                cause);
        return ProxyErrors.cannotConnect(
                backend, "see mysql-proxy's log, connection " + session.info().connectionId());
    }

    /**
     * The primary is away ({@code error}): a session SET or a prepare runs on a replica if the router says so
     * (once: a replica that fails it leaves it to wait for the primary), anything else waits for the primary.
     */
    private void primaryAway(Command cmd, ErrPacket error) {
        RouteDecision instead = cmd.decision().target() != RouteTarget.REPLICA
                        && cmd.decision().reason() != RouteReason.NO_REPLICA
                        && routing.balancer().preview(backends.topology(), false) != null
                ? routing.router().primaryAway(cmd.type(), cmd.classification(), tracker)
                : null;
        if (instead != null) {
            dispatch(cmd, instead);
        } else {
            primaryWaits.await(cmd, error);
        }
    }

    /** Sends the client's command on {@code leg}, renumbered for it where needed. */
    void send(Command cmd, Leg leg) {
        PrimaryWaits.resumed(cmd);
        ByteBuf frame = cmd.takeFrame();
        if (cmd.statement() != null) {
            frame = cmd.statement().frameFor(cmd.type(), leg, frame, session.alloc());
            if (cmd.type() == CommandType.STMT_EXECUTE) {
                statements
                        .sharing()
                        .executed(cmd.statement(), leg, cmd.statement().types());
            }
        }
        if (cmd.type() == CommandType.STMT_PREPARE) {
            cmd.sentTo(leg, 0);
            sendPrepare(cmd, leg, frame, false);
            // A statement of 16 MiB or more: its continuations that arrived before the leg was ready.
            writeHeld(cmd, leg);
            return;
        }
        if (cmd.type() == CommandType.QUERY || cmd.type() == CommandType.STMT_EXECUTE) {
            leg.load().statementRouted();
            metrics.routed(leg.backend(), cmd.decision().reason());
            if (cmd.classification() != null && cmd.classification().kind() == StatementKind.TRANSACTION_BEGIN) {
                metrics.transactionStarted();
            }
            cmd.sentTo(leg, System.nanoTime());
            if (retryable(cmd, leg, frame, backends.topology().replicas().size())
                    || restartable(cmd, leg, frame, tracker.inTransaction())) {
                cmd.keepForRetry(frame);
            }
        } else {
            cmd.sentTo(leg, 0);
        }
        if (cmd.packetsAhead() > 0) {
            leg.connection().shiftResponseSequence(cmd.packetsAhead());
        }
        leg.send(cmd.type(), frame);
        writeHeld(cmd, leg);
        leg.connection().flush();
        // A command without a response is over once all of it went out (else its last frame ends it).
        if (cmd.type().response() == CommandType.Response.NONE && !session.awaitingClientFrames()) {
            session.finish(cmd);
        }
    }

    private static void writeHeld(Command cmd, Leg leg) {
        ByteBuf held = cmd.nextHeld();
        if (held == null) {
            return;
        }
        do {
            leg.connection().write(held);
        } while ((held = cmd.nextHeld()) != null);
        leg.connection().flush();
    }

    /** The session's writes' position was being read from a primary leg that is gone: the read goes to the primary. */
    void positionLost(Command cmd) {
        cmd.waited();
        dispatch(cmd, routing.router().consistencyNotReached());
    }

    /**
     * A read outside a transaction sent to a replica may be sent again if that replica dies before
     * answering: it changed nothing, and the client has seen nothing of it yet. At most once per
     * replica, so that losing every replica at once ends on the primary, not in an error.
     */
    private static boolean retryable(Command cmd, Leg leg, ByteBuf frame, int replicas) {
        return cmd.retries() < replicas
                && leg.backend().role() == BackendRole.REPLICA
                && cmd.decision().target() == RouteTarget.REPLICA
                && !cmd.holdsContinuation()
                && Packets.payloadLength(frame) < Packets.MAX_PAYLOAD;
    }

    /**
     * A transaction start sent to the primary outside a transaction may be sent again if the primary leg dies
     * before answering (a primary restart): no transaction had begun, so there is nothing to lose, and the
     * start waits for the primary to come back like any statement at a transaction boundary. Once only.
     */
    private static boolean restartable(Command cmd, Leg leg, ByteBuf frame, boolean inTransaction) {
        return !inTransaction
                && cmd.retries() == 0
                && leg.backend().role() == BackendRole.PRIMARY
                // Drivers such as sysbench prepare their BEGIN: its execution is as safe to send again.
                && (cmd.type() == CommandType.QUERY || cmd.type() == CommandType.STMT_EXECUTE)
                && cmd.classification() != null
                && (cmd.classification().kind() == StatementKind.TRANSACTION_BEGIN
                        || cmd.classification().kind() == StatementKind.TRANSACTION_BEGIN_READ_ONLY)
                && Packets.payloadLength(frame) < Packets.MAX_PAYLOAD;
    }

    /** Sends a replica read again, as the router first decided, after its replica died (see {@link #retryable}). */
    void retry(Command cmd) {
        cmd.startRetry();
        dispatch(cmd, cmd.decision());
    }

    /** {@code retried}: see {@link #prepared}. */
    private void sendPrepare(Command cmd, Leg leg, ByteBuf frame, boolean retried) {
        leg.sendInternal(
                CommandType.STMT_PREPARE,
                frame,
                (response, failed, status) -> prepared(cmd, leg, response, failed, retried));
    }

    /**
     * The client's COM_STMT_PREPARE was answered on {@code leg}: renumber the statement and pass it on. Refused
     * for the server's statement limit, it is sent once more ({@code retried}) if the connection's cache closed
     * statements to make room (a text of one packet only: a longer one's continuations went out already). A
     * statement prepared for a command no longer current is closed, as nobody will ever use or close it.
     */
    private void prepared(Command cmd, Leg leg, ByteBuf response, boolean failed, boolean retried) {
        if (!session.isCurrent(cmd)) {
            if (!failed) {
                StatementClose.orphan(leg, response);
            }
            response.release();
            return;
        }
        if (failed
                && !retried
                && cmd.sql().length < Packets.MAX_PAYLOAD - 1
                && statements.sharing().madeRoom(BufferedResponse.error(response), leg)) {
            response.release();
            sendPrepare(cmd, leg, StmtCommands.command(session.alloc(), CommandType.STMT_PREPARE, cmd.sql()), true);
            return;
        }
        if (!failed) {
            statements.register(cmd.sql(), cmd.classification(), leg, response);
        }
        replies.respond(response);
        session.finish(cmd);
    }
}

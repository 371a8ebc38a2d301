package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.route.RouteDecision;
import io.mysqlproxy.core.route.RouteReason;
import io.mysqlproxy.core.route.RouteTarget;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.packet.StmtPrepareOk;
import io.mysqlproxy.protocol.result.BufferedResponse;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a routed client command to the leg that runs it. The decision names a backend, or the leg
 * of the open transaction or of the previous statement; if the session has no leg there, one is
 * borrowed from the backend's pool. Before the command goes out, the leg is made ready for it: a
 * replica read waits until the replica has the session's writes (when the session's consistency
 * asks for that), the leg is brought up to the session's state, and a prepared statement is
 * prepared there if it is not yet. Whenever a replica cannot serve, the command goes to the
 * primary instead. The steps are asynchronous; each goes on only while the command is still the
 * session's current one.
 */
final class CommandDispatch {

    private static final Logger log = LoggerFactory.getLogger(CommandDispatch.class);

    private final FrontendCommandHandler session;
    private final SessionServices services;
    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final PreparedStatements statements;

    CommandDispatch(FrontendCommandHandler session, SessionServices services, SessionLegs legs, SessionTracker tracker,
                    PreparedStatements statements) {
        this.session = session;
        this.services = services;
        this.legs = legs;
        this.tracker = tracker;
        this.statements = statements;
    }

    /** Resolves the decision to a leg (borrowing it if needed), then brings the leg up to date and sends. */
    void dispatch(Command cmd, RouteDecision decision) {
        cmd.decision = decision;
        String refusal = services.writeGate().refusal();
        if (refusal != null && decision.target() != RouteTarget.REPLICA && writes(cmd)) {
            session.fail(cmd, ProxyErrors.writesRefused(refusal));
            return;
        }
        if (log.isTraceEnabled()) {
            log.trace("[conn {}] {} {} -> {} (autocommit {}, transaction on {}, pins {})",
                    session.info().connectionId(), cmd.type, cmd.classification, decision, tracker.autocommit(),
                    legs.transactionLeg(), tracker.pins());
        }
        switch (decision.target()) {
            case TRANSACTION, PREVIOUS -> {
                Leg leg = legs.following(decision.target());
                if (leg != null) {
                    syncThenSend(cmd, leg);
                } else {
                    withLeg(cmd, services.topology().primary());
                }
            }
            case PRIMARY -> withLeg(cmd, services.topology().primary());
            case REPLICA -> {
                boolean checkWrites = checksWrites(cmd.type, decision.reason());
                Backend replica = services.balancer().choose(services.topology(), checkWrites);
                if (replica == null) {
                    RouteReason fallback = replicaFallback(checkWrites);
                    if (fallback != null) {
                        redirect(cmd, fallback);
                    } else {
                        session.fail(cmd, ProxyErrors.cannotConnect("replicas", "no replica is usable and "
                                + "routing.reads-fall-back-to-primary is off"));
                    }
                    return;
                }
                cmd.consistencyChecked = checkWrites;
                withLeg(cmd, replica);
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
        Backend primary = services.topology().primary();
        return switch (decision.target()) {
            case TRANSACTION, PREVIOUS -> {
                Leg leg = legs.following(decision.target());
                yield leg != null ? leg.backend() : primary;
            }
            case PRIMARY -> primary;
            case REPLICA -> {
                boolean checkWrites = checksWrites(CommandType.QUERY, decision.reason());
                Backend replica = services.balancer().preview(services.topology(), checkWrites);
                yield replica != null || replicaFallback(checkWrites) == null ? replica : primary;
            }
        };
    }

    /** Whether a replica read must go where the session's writes have arrived (session consistency). */
    private boolean checksWrites(CommandType type, RouteReason reason) {
        return tracker.consistency() == Consistency.SESSION
                && tracker.readYourWrites().hasWritten()
                && (type == CommandType.QUERY || type == CommandType.STMT_EXECUTE)
                && reason != RouteReason.HINT_REPLICA
                && reason != RouteReason.READ_ONLY_TRANSACTION;
    }

    /** Why a read that found no replica goes to the primary instead, or null when it may not. */
    private RouteReason replicaFallback(boolean checkedWrites) {
        if (checkedWrites && services.balancer().preview(services.topology(), false) != null) {
            return RouteReason.CONSISTENCY_FALLBACK;
        }
        return services.routing().readsFallBackToPrimary() ? RouteReason.NO_REPLICA : null;
    }

    /** Whether the command runs a statement that may change data (preparing one does not). */
    private static boolean writes(Command cmd) {
        return (cmd.type == CommandType.QUERY || cmd.type == CommandType.STMT_EXECUTE)
                && cmd.classification != null && cmd.classification.mayWrite();
    }

    /** Sends the command to the primary after all, for {@code reason}. */
    void redirect(Command cmd, RouteReason reason) {
        dispatch(cmd, RouteDecision.primary(reason));
    }

    /** Finds or borrows this session's leg on {@code backend}, then continues with it. */
    private void withLeg(Command cmd, Backend backend) {
        Leg leg = legs.on(backend);
        if (leg != null) {
            syncThenSend(cmd, leg);
            return;
        }
        Future<BackendConnection> borrowing = services.pool(backend).borrow(session.eventLoop(), session.borrowLogin(),
                true);
        borrowing.addListener(f -> {
            if (!session.isCurrent(cmd)) {
                if (f.isSuccess()) {
                    services.pool(backend).release(borrowing.getNow());
                }
                return;
            }
            if (!f.isSuccess()) {
                ErrPacket error = f.cause() instanceof BackendException b ? b.error()
                        : ProxyErrors.cannotConnect(backend.name(), String.valueOf(f.cause()));
                if (backend.role() == BackendRole.REPLICA) {
                    log.warn("[conn {}] {}: {} unavailable, reading from the primary: {}",
                            session.info().connectionId(), session.info().remote(), backend, error.message());
                    redirect(cmd, RouteReason.NO_REPLICA);
                } else {
                    session.fail(cmd, error);
                }
                return;
            }
            syncThenSend(cmd, legs.adopt(backend, borrowing.getNow()));
        });
    }

    private void syncThenSend(Command cmd, Leg leg) {
        ReadYourWrites readYourWrites = tracker.readYourWrites();
        if (cmd.consistencyChecked && leg.backend().role() == BackendRole.REPLICA && readYourWrites.mustCheck(leg)) {
            cmd.waitingOn = leg;
            readYourWrites.check(legs.primary(), leg, new ReadYourWrites.Outcome() {
                @Override
                public void applied() {
                    cmd.consistencyChecked = false;
                    if (session.stillCurrent(cmd)) {
                        syncThenSend(cmd, leg);
                    }
                }

                @Override
                public void notApplied(String reason) {
                    if (session.stillCurrent(cmd)) {
                        log.debug("[conn {}] {}: read on the primary: {}", session.info().connectionId(),
                                session.info().remote(), reason);
                        services.balancer().coolDown(leg.backend(), services.routing().consistencyCooldown().toNanos());
                        cmd.consistencyChecked = false;
                        redirect(cmd, RouteReason.CONSISTENCY_FALLBACK);
                    }
                }
            });
            return;
        }
        if (LegSync.inStep(tracker.state(), leg)) {
            prepareThenSend(cmd, leg);
            return;
        }
        cmd.waitingOn = leg;
        LegSync.run(tracker.state(), leg, new LegSteps() {
            @Override
            public void done() {
                if (session.stillCurrent(cmd)) {
                    prepareThenSend(cmd, leg);
                }
            }

            @Override
            public void refused(ErrPacket error) {
                if (!session.stillCurrent(cmd)) {
                    return;
                }
                log.warn("[conn {}] {}: {} refused the session state: {}", session.info().connectionId(),
                        session.info().remote(), leg, error.message());
                if (leg.backend().role() == BackendRole.REPLICA) {
                    legs.drop(leg);
                    leg.discard();
                    redirect(cmd, RouteReason.NO_REPLICA);
                } else {
                    session.fail(cmd, error);
                }
            }
        });
    }

    /** For statement commands: prepares the statement on {@code leg} first if it is not there yet. */
    void prepareThenSend(Command cmd, Leg leg) {
        PreparedStatement statement = cmd.statement;
        if (statement == null || statement.backendId(leg) != null) {
            send(cmd, leg);
            return;
        }
        cmd.waitingOn = leg;
        leg.sendInternal(CommandType.STMT_PREPARE, StmtCommands.command(leg.connection().channel().alloc(),
                CommandType.STMT_PREPARE, statement.sql()), (response, failed, status) -> {
            try {
                if (!session.stillCurrent(cmd)) {
                    return;
                }
                if (failed) {
                    ErrPacket error = BufferedResponse.error(response);
                    if (leg.backend().role() == BackendRole.REPLICA) {
                        log.info("[conn {}] {}: {} could not prepare statement {}: {}; using the primary",
                                session.info().connectionId(), session.info().remote(), leg, statement.clientId(),
                                error.message());
                        redirect(cmd, RouteReason.NO_REPLICA);
                    } else {
                        session.fail(cmd, error);
                    }
                    return;
                }
                statement.preparedOn(leg, StmtPrepareOk.decode(BufferedResponse.firstPayload(response)).statementId());
            } finally {
                response.release();
            }
            send(cmd, leg);
        });
    }

    /** Sends the client's command on {@code leg}, renumbered for it where needed. */
    void send(Command cmd, Leg leg) {
        ByteBuf frame = cmd.frame;
        cmd.frame = null;
        cmd.leg = leg;
        if (cmd.statement != null) {
            frame = cmd.statement.frameFor(cmd.type, leg, frame, session.alloc());
        }
        if (cmd.type == CommandType.STMT_PREPARE) {
            leg.sendInternal(CommandType.STMT_PREPARE, frame, (response, failed, status) -> prepared(cmd, leg, response,
                    failed));
            return;
        }
        if (cmd.type == CommandType.QUERY || cmd.type == CommandType.STMT_EXECUTE) {
            leg.load().statementRouted();
            services.metrics().routed(leg.backend(), cmd.decision.reason());
            if (cmd.classification != null
                    && cmd.classification.kind() == io.mysqlproxy.core.classify.StatementKind.TRANSACTION_BEGIN) {
                services.metrics().transactionStarted();
            }
            cmd.sentAt = System.nanoTime();
            if (retryable(cmd, leg, frame, services.topology().replicas().size())) {
                cmd.retryFrame = frame.retainedDuplicate();
            }
        }
        leg.send(cmd.type, frame);
        ByteBuf held;
        while ((held = cmd.nextHeld()) != null) {
            leg.connection().write(held);
        }
        leg.connection().flush();
        if (cmd.type.response() == CommandType.Response.NONE) {
            session.finish(cmd);
        }
    }

    /**
     * A read outside a transaction sent to a replica may be sent again if that replica dies before
     * answering: it changed nothing, and the client has seen nothing of it yet. At most once per
     * replica, so that losing every replica at once ends on the primary, not in an error.
     */
    private static boolean retryable(Command cmd, Leg leg, ByteBuf frame, int replicas) {
        return cmd.retries < replicas && leg.backend().role() == BackendRole.REPLICA
                && cmd.decision.target() == RouteTarget.REPLICA
                && !cmd.holdsContinuation() && Packets.payloadLength(frame) < Packets.MAX_PAYLOAD;
    }

    /** Sends a replica read again after its replica died (see {@link #retryable}). */
    void retry(Command cmd) {
        cmd.frame = cmd.retryFrame;
        cmd.retryFrame = null;
        cmd.retries++;
        cmd.leg = null;
        dispatch(cmd, RouteDecision.of(RouteTarget.REPLICA, RouteReason.READ));
    }

    /** The client's COM_STMT_PREPARE was answered on {@code leg}: renumber the statement and pass it on. */
    private void prepared(Command cmd, Leg leg, ByteBuf response, boolean failed) {
        if (!session.isCurrent(cmd)) {
            response.release();
            return;
        }
        if (!failed) {
            statements.register(cmd.sql, cmd.classification, leg, response);
        }
        session.respond(response);
        session.finish(cmd);
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.ErrorLogText;
import io.mysqlproxy.core.route.RouteReason;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.packet.StmtPrepareOk;
import io.mysqlproxy.protocol.result.BufferedResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a leg ready for the command about to go out on it, then has {@link LegDispatch} send it: a
 * read-your-writes read first waits until the replica has the session's writes ({@link ReadYourWrites}), a
 * global-consistency read until it has what the primary had when the read arrived ({@link GlobalReads}),
 * the leg is brought up to the session's state ({@link LegSync}), and a prepared statement is prepared
 * there if it is not yet. A leg already ready costs nothing. Each step is asynchronous and goes on
 * only while the command is still the session's current one; a replica that cannot take a step sends
 * the read where the router says.
 */
final class LegPreparation {

    private static final Logger log = LoggerFactory.getLogger(LegPreparation.class);

    private final CommandContext session;
    private final SessionRouting routing;
    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final GlobalReads globalReads;
    private final LegDispatch dispatch;
    private final PreparedStatements statements;

    LegPreparation(
            CommandContext session,
            SessionRouting routing,
            SessionLegs legs,
            SessionTracker tracker,
            GlobalReads globalReads,
            LegDispatch dispatch,
            PreparedStatements statements) {
        this.statements = statements;
        this.session = session;
        this.routing = routing;
        this.legs = legs;
        this.tracker = tracker;
        this.globalReads = globalReads;
        this.dispatch = dispatch;
    }

    void syncThenSend(Command cmd, Leg leg) {
        if (cmd.awaitsWriteCheck() && leg.backend().role() == BackendRole.REPLICA) {
            if (cmd.decision().reason() == RouteReason.CONSISTENCY_GLOBAL) {
                checkPrimaryPositionThenSend(cmd, leg);
                return;
            }
            if (tracker.readYourWrites().mustCheck(leg)) {
                checkWritesThenSend(cmd, leg);
                return;
            }
        }
        if (LegSync.inStep(tracker.state(), leg)) {
            prepareThenSend(cmd, leg);
            return;
        }
        cmd.waitOn(leg);
        LegSync.run(tracker.state(), leg, new LegSync.Outcome() {
            @Override
            public void done() {
                if (session.resume(cmd)) {
                    prepareThenSend(cmd, leg);
                }
            }

            @Override
            public void refused(ErrPacket error) {
                if (!session.resume(cmd)) {
                    return;
                }
                log.warn(
                        "[conn {}] {}: {} refused the session state: {}",
                        session.info().connectionId(),
                        session.info().remote(),
                        leg,
                        ErrorLogText.of(error, log));
                if (leg.backend().role() == BackendRole.REPLICA) {
                    legs.drop(leg);
                    leg.discard();
                    dispatch.replicaUnavailable(cmd);
                } else {
                    session.fail(cmd, error);
                }
            }
        });
    }

    private void checkWritesThenSend(Command cmd, Leg leg) {
        cmd.waitOn(leg);
        tracker.readYourWrites().check(legs.primary(), leg, new ReadYourWrites.Outcome() {
            @Override
            public void applied() {
                cmd.writesSeen();
                if (session.resume(cmd)) {
                    syncThenSend(cmd, leg);
                }
            }

            @Override
            public void notApplied(String reason) {
                if (session.resume(cmd)) {
                    fallBack(cmd, leg, reason, true);
                }
            }
        });
    }

    /**
     * Global consistency: the primary's position as of now, from a lookup shared with other sessions, then
     * the wait for it on {@code leg}. The lookup is no leg's answer: if the replica was lost meanwhile and the
     * read went elsewhere, its late answer is ignored.
     */
    private void checkPrimaryPositionThenSend(Command cmd, Leg leg) {
        cmd.waitOn(leg);
        globalReads.check(leg, session.eventLoop(), new GlobalReads.Outcome() {
            @Override
            public void applied() {
                if (stillWaiting()) {
                    cmd.writesSeen();
                    if (session.resume(cmd)) {
                        syncThenSend(cmd, leg);
                    }
                }
            }

            @Override
            public void notApplied(String reason) {
                if (stillWaiting() && session.resume(cmd)) {
                    fallBack(cmd, leg, reason, true);
                }
            }

            @Override
            public void positionUnknown(String reason) {
                if (stillWaiting() && session.resume(cmd)) {
                    fallBack(cmd, leg, reason, false);
                }
            }

            private boolean stillWaiting() {
                return cmd.uses(leg) && !cmd.sent();
            }
        });
    }

    /**
     * The read goes to the primary; {@code coolDown}: the replica was too slow, so such reads skip it for
     * routing.consistency-cooldown.
     */
    private void fallBack(Command cmd, Leg leg, String reason, boolean coolDown) {
        log.debug(
                "[conn {}] {}: read on the primary: {}",
                session.info().connectionId(),
                session.info().remote(),
                reason);
        if (coolDown) {
            routing.balancer()
                    .coolDown(
                            leg.backend(),
                            routing.routing().consistencyCooldown().toNanos());
        }
        dispatch.dispatch(cmd, routing.router().consistencyNotReached());
    }

    /**
     * For statement commands: prepares the statement on {@code leg} first if it is not there yet, unless the
     * connection keeps it prepared from an earlier borrower ({@link SharedStatements}).
     */
    void prepareThenSend(Command cmd, Leg leg) {
        PreparedStatement statement = cmd.statement();
        if (statement == null
                || statement.backendId(leg) != null
                || mayTypeAnother(cmd, statement)
                        && statements.sharing().adopt(statement, leg, executionTypes(cmd, statement))) {
            dispatch.send(cmd, leg);
            return;
        }
        prepare(cmd, leg, statement, false);
    }

    /**
     * Whether {@code cmd} may run on a server statement another session bound its parameter types on: not an
     * EXECUTE too large to carry this session's types, which would run with the other session's.
     */
    private static boolean mayTypeAnother(Command cmd, PreparedStatement statement) {
        return cmd.type() != CommandType.STMT_EXECUTE || statement.typesFitIn(cmd.payloadLength());
    }

    /** The parameter types an EXECUTE will bind (its own, else the ones bound last); null for other commands. */
    private static byte[] executionTypes(Command cmd, PreparedStatement statement) {
        if (cmd.type() != CommandType.STMT_EXECUTE) {
            return null;
        }
        byte[] bound = cmd.boundTypes(statement.parameters());
        return bound != null ? bound : statement.types();
    }

    /**
     * Sends the statement's COM_STMT_PREPARE on {@code leg}, then the command. {@code retried}: this is the
     * one retry after the server's statement limit (error 1461) made the connection's cache close its
     * unbound statements.
     */
    private void prepare(Command cmd, Leg leg, PreparedStatement statement, boolean retried) {
        cmd.waitOn(leg);
        leg.sendInternal(
                CommandType.STMT_PREPARE,
                StmtCommands.command(leg.connection().channel().alloc(), CommandType.STMT_PREPARE, statement.sql()),
                (response, failed, status) -> {
                    try {
                        if (!session.resume(cmd)) {
                            if (!failed) {
                                StatementClose.orphan(leg, response);
                            }
                            return;
                        }
                        if (failed) {
                            ErrPacket error = BufferedResponse.error(response);
                            if (!retried && statements.sharing().madeRoom(error, leg)) {
                                prepare(cmd, leg, statement, true);
                            } else {
                                refused(cmd, leg, statement, error);
                            }
                            return;
                        }
                        int id = StmtPrepareOk.decode(BufferedResponse.firstPayload(response))
                                .statementId();
                        statement.preparedOn(leg, id);
                        statements.sharing().prepared(statement, leg, id);
                    } finally {
                        response.release();
                    }
                    dispatch.send(cmd, leg);
                });
    }

    private void refused(Command cmd, Leg leg, PreparedStatement statement, ErrPacket error) {
        if (leg.backend().role() == BackendRole.REPLICA) {
            log.info(
                    "[conn {}] {}: {} could not prepare statement {}: {}; using the primary",
                    session.info().connectionId(),
                    session.info().remote(),
                    leg,
                    statement.clientId(),
                    ErrorLogText.of(error, log));
            dispatch.replicaUnavailable(cmd);
        } else {
            session.fail(cmd, error);
        }
    }
}

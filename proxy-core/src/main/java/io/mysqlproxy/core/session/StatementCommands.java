package io.mysqlproxy.core.session;

import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.route.RouteDecision;
import io.mysqlproxy.core.route.RouteReason;
import io.mysqlproxy.core.route.RouteTarget;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;

import java.util.Map;

/**
 * The binary-protocol commands on a prepared statement (COM_STMT_EXECUTE, SEND_LONG_DATA, FETCH,
 * RESET, CLOSE), which name it by the id the proxy gave the client. A command that continues
 * earlier work goes where that work is: a fetch or reset to the leg with the open cursor or the
 * long data, an execution to the leg that received its long data. Any other execution is routed
 * like the statement's text, and prepared lazily on the leg it lands on ({@link CommandDispatch}).
 * Closing a statement closes it on every leg that prepared it; the client expects no answer.
 */
final class StatementCommands {

    private final FrontendCommandHandler session;
    private final SessionServices services;
    private final SessionTracker tracker;
    private final CommandDispatch dispatch;
    private final PreparedStatements statements;

    StatementCommands(FrontendCommandHandler session, SessionServices services, SessionTracker tracker,
                      CommandDispatch dispatch, PreparedStatements statements) {
        this.session = session;
        this.services = services;
        this.tracker = tracker;
        this.dispatch = dispatch;
        this.statements = statements;
    }

    /** A statement command from the client; a frame without a statement id ends the session. */
    void start(CommandType command, ByteBuf frame) {
        int id;
        try {
            id = StmtCommands.statementId(frame);
        } catch (ProtocolException e) {
            frame.release();
            session.abort(ProxyErrors.malformedPacket(e.getMessage()), e.getMessage());
            return;
        }
        if (command == CommandType.STMT_CLOSE) {
            frame.release();
            close(id);
            return;
        }
        PreparedStatement statement = statements.get(id);
        if (statement == null) {
            frame.release();
            if (command != CommandType.STMT_SEND_LONG_DATA) {
                session.reply(ProxyErrors.unknownStatement(id, command.name()), 1);
            }
            return;
        }
        Command cmd = new Command(command, frame, statement.classification(), null, statement);
        session.begin(cmd);
        switch (command) {
            case STMT_FETCH, STMT_RESET -> {
                Leg leg = statement.lastLeg() != null ? statement.lastLeg() : statement.longDataLeg();
                if (leg == null || leg.released()) {
                    if (command == CommandType.STMT_RESET) {
                        statement.longDataLeg(null);
                        session.replyOk(1);
                    } else {
                        session.reply(ProxyErrors.unknownStatement(statement.clientId(),
                                "COM_STMT_FETCH (no open cursor)"), 1);
                    }
                    session.finish(cmd);
                    return;
                }
                cmd.decision = RouteDecision.of(RouteTarget.PREVIOUS, RouteReason.PREVIOUS_STATEMENT);
                dispatch.send(cmd, leg);
            }
            default -> {
                Leg longData = statement.longDataLeg();
                if (longData != null && !longData.released()) {
                    cmd.decision = RouteDecision.of(RouteTarget.PREVIOUS, RouteReason.PREVIOUS_STATEMENT);
                    dispatch.prepareThenSend(cmd, longData);
                } else {
                    dispatch.dispatch(cmd, services.router().route(statement.classification(), tracker));
                }
            }
        }
    }

    private void close(int id) {
        PreparedStatement statement = statements.remove(id);
        if (statement == null) {
            return;
        }
        for (Map.Entry<Leg, Integer> prepared : statement.backendIds().entrySet()) {
            Leg leg = prepared.getKey();
            if (!leg.released()) {
                leg.send(CommandType.STMT_CLOSE, StmtCommands.statementCommand(session.alloc(), CommandType.STMT_CLOSE,
                        prepared.getValue()));
                leg.connection().flush();
            }
        }
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;

import java.util.Map;

/**
 * The binary-protocol commands on a prepared statement (COM_STMT_EXECUTE, SEND_LONG_DATA, FETCH,
 * RESET, CLOSE), which name it by the id the proxy gave the client. The router decides where each
 * goes: a command that continues earlier work (a cursor, long data) follows it, any other execution
 * is routed like the statement's text, and prepared lazily on the leg it lands on ({@link LegDispatch}).
 * A fetch or reset with nothing to continue is answered here, as is closing a statement, which closes
 * it on every leg that prepared it (but where the leg's connection keeps it for other sessions, {@link
 * SharedStatements}); the client expects no answer to that.
 */
final class PreparedStatementCommands {

    private final CommandContext session;
    private final ClientReplies replies;
    private final SessionRouting routing;
    private final SessionTracker tracker;
    private final LegDispatch dispatch;
    private final PreparedStatements statements;
    private final StatementStatistics statistics;

    PreparedStatementCommands(
            CommandContext session,
            ClientReplies replies,
            SessionRouting routing,
            SessionTracker tracker,
            LegDispatch dispatch,
            PreparedStatements statements,
            StatementStatistics statistics) {
        this.statistics = statistics;
        this.session = session;
        this.replies = replies;
        this.routing = routing;
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
                replies.reply(ProxyErrors.unknownStatement(id, command.name()), 1);
            }
            return;
        }
        if (command == CommandType.STMT_EXECUTE
                && !StmtCommands.executeHoldsParameterHeader(frame, statement.parameters())) {
            // Answered as the server would, before anything is borrowed or prepared for it.
            frame.release();
            replies.reply(ProxyErrors.wrongExecuteArguments(), 1);
            return;
        }
        Command cmd = new Command(command, frame, statement.classification(), null, statement);
        if (command == CommandType.STMT_EXECUTE) {
            cmd.countUnder(statistics.prepared(statement));
        }
        session.begin(cmd);
        boolean stateLeg = statement.stateLeg(command) != null;
        if (!stateLeg && command == CommandType.STMT_RESET) {
            statement.dropLongData();
            replies.replyOk(1);
            session.finish(cmd);
        } else if (!stateLeg && command == CommandType.STMT_FETCH) {
            replies.reply(ProxyErrors.unknownStatement(statement.clientId(), "COM_STMT_FETCH (no open cursor)"), 1);
            session.finish(cmd);
        } else {
            dispatch.dispatch(cmd, routing.router().route(command, statement.classification(), stateLeg, tracker));
        }
    }

    private void close(int id) {
        PreparedStatement statement = statements.remove(id);
        if (statement == null) {
            return;
        }
        for (Map.Entry<Leg, Integer> prepared : statement.backendIds().entrySet()) {
            Leg leg = prepared.getKey();
            if (!leg.released() && !statements.sharing().letGo(statement, leg, prepared.getValue())) {
                leg.send(
                        CommandType.STMT_CLOSE,
                        StmtCommands.statementCommand(session.alloc(), CommandType.STMT_CLOSE, prepared.getValue()));
                leg.connection().flush();
            }
        }
    }
}

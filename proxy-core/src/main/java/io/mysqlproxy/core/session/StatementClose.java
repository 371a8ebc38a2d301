package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.packet.StmtPrepareOk;
import io.mysqlproxy.protocol.result.BufferedResponse;
import io.netty.buffer.ByteBuf;

/**
 * COM_STMT_CLOSE of server statements no statement of the session uses, so that they do not count against
 * the server's limit on statements across all connections until the connection is reset. It has no answer.
 */
final class StatementClose {

    private StatementClose() {}

    /** Closes server statement {@code id} on {@code leg} (written, not flushed). */
    static void send(Leg leg, int id) {
        leg.send(
                CommandType.STMT_CLOSE,
                StmtCommands.statementCommand(leg.connection().channel().alloc(), CommandType.STMT_CLOSE, id));
    }

    /**
     * Closes the statement {@code prepareOk} (a COM_STMT_PREPARE_OK response, not released here) announced on
     * {@code leg} for a command that is no longer current: nobody will use it. Nothing to do once the leg is
     * gone (a connection given back is reset, one broken has lost it).
     */
    static void orphan(Leg leg, ByteBuf prepareOk) {
        if (leg.released()) {
            return;
        }
        send(leg, StmtPrepareOk.decode(BufferedResponse.firstPayload(prepareOk)).statementId());
        leg.connection().flush();
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.ConnectionIdRewrite;
import io.mysqlproxy.core.classify.PreviousResultRewrite;
import io.mysqlproxy.core.classify.StatementFlag;
import io.mysqlproxy.core.classify.StatementKind;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;

/**
 * The statement texts the proxy answers parts of before they go out: reads of the connection id get the
 * proxy's ({@link ConnectionIdRewrite}), and under transaction multiplexing ROW_COUNT() and FOUND_ROWS()
 * get the values the proxy saw once the connection that ran the previous statement has gone back
 * ({@link PreviousResultRewrite}, {@link StatementResults}). A text of 16 MiB or more, whose rest is still
 * to come, is left as it is. Each method takes {@code frame} and returns the frame to send.
 */
final class StatementRewrites {

    private final CommandContext session;
    private final SessionLegs legs;
    private final SessionTracker tracker;

    StatementRewrites(CommandContext session, SessionLegs legs, SessionTracker tracker) {
        this.session = session;
        this.legs = legs;
        this.tracker = tracker;
    }

    /** The id the client was greeted with and KILLs by, for CONNECTION_ID() and @@pseudo_thread_id. */
    ByteBuf connectionId(CommandType command, ByteBuf frame, Classification classification) {
        if (!classification.has(StatementFlag.CONNECTION_ID) || !rewritable(classification)) {
            return frame;
        }
        return replaced(
                command,
                frame,
                ConnectionIdRewrite.rewrite(text(frame), session.info().connectionId()));
    }

    /**
     * ROW_COUNT() and FOUND_ROWS() of a previous statement whose connection is no longer the session's. Only
     * in a single READ, WRITE or SET: the parts of a multi-statement run on one connection and read each
     * other's values, and a routine body or DDL reads them when it runs, not now.
     */
    ByteBuf previousResults(ByteBuf frame, Classification classification) {
        StatementResults results = tracker.results();
        if (!classification.has(StatementFlag.PREVIOUS_RESULT_FUNCTION)
                || !readsPreviousResultsNow(classification.kind())
                || !rewritable(classification)
                || legs.previousLeg() != null) {
            return frame;
        }
        return replaced(
                CommandType.QUERY,
                frame,
                PreviousResultRewrite.rewrite(text(frame), results.rowCount(), results.foundRows()));
    }

    private static boolean readsPreviousResultsNow(StatementKind kind) {
        return kind == StatementKind.READ || kind == StatementKind.WRITE || kind == StatementKind.SESSION_SET;
    }

    private static boolean rewritable(Classification classification) {
        return !classification.has(StatementFlag.TRUNCATED) && classification.kind() != StatementKind.PROXY_ADMIN;
    }

    private ByteBuf replaced(CommandType command, ByteBuf frame, byte[] rewritten) {
        // The command byte and the text must stay under one frame's payload, or the text would need a second frame.
        if (rewritten == null || rewritten.length + 1 >= Packets.MAX_PAYLOAD) {
            return frame;
        }
        ByteBuf rewrittenFrame = StmtCommands.command(session.alloc(), command, rewritten);
        frame.release();
        return rewrittenFrame;
    }

    private static byte[] text(ByteBuf frame) {
        byte[] text = new byte[Packets.payloadLength(frame) - 1];
        frame.getBytes(frame.readerIndex() + Packets.HEADER_SIZE + 1, text);
        return text;
    }
}

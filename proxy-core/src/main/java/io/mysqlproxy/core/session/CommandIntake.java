package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.LeadingKill;
import io.mysqlproxy.core.classify.SqlOperands;
import io.mysqlproxy.core.classify.StatementClassifier;
import io.mysqlproxy.core.classify.StatementFlag;
import io.mysqlproxy.core.classify.StatementKind;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.route.Pin;
import io.mysqlproxy.core.stats.DigestEntry;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where each client command starts once the session takes it up. The proxy answers some itself:
 * KILL and COM_PROCESS_KILL ({@link SessionKill}), also first in a multi-statement, {@code SET
 * proxy_consistency}, its admin statements ({@link AdminStatementAnswers}), SHOW PROCESSLIST
 * ({@link ProcessListAnswer}), and the session side of COM_RESET_CONNECTION. Reads of the connection
 * id get the proxy's before anything else sees the text. Prepared-statement commands go to
 * {@link PreparedStatementCommands}; the rest are classified, routed by the
 * {@link io.mysqlproxy.core.route.Router} and handed to {@link LegDispatch}.
 */
final class CommandIntake {

    private static final Logger log = LoggerFactory.getLogger(CommandIntake.class);
    private static final String CONSISTENCY_SETTING = "proxy_consistency";
    static final String UNMAPPED_KILL = "KILL other than KILL [CONNECTION | QUERY] <connection id> through mysql-proxy";
    static final String KILL_IN_MULTI = "KILL in a multi-statement other than first, alone and before no LOAD, through "
            + "mysql-proxy (KILL must be the first statement of a multi-statement)";
    static final String KILL_WITHOUT_MULTI =
            "KILL followed by other statements through mysql-proxy from a client without multi-statements";
    /** COM_SET_OPTION's argument: MYSQL_OPTION_MULTI_STATEMENTS_ON (0) or _OFF (1). */
    private static final int MULTI_STATEMENTS_ON = 0;

    private static final int MULTI_STATEMENTS_OFF = 1;

    private final CommandContext session;
    private final ClientReplies replies;
    private final SessionRouting routing;
    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final PreparedStatements statements;
    private final LegDispatch dispatch;
    private final PreparedStatementCommands statementCommands;
    private final SessionKill kills;
    private final AdminStatementAnswers admin;
    private final ProcessListAnswer processList;
    private final StatementStatistics statistics;
    private final StringEscapes escapes;
    /** The statistics entry of the text last classified, or null. */
    private DigestEntry classified;

    private final StatementRewrites rewrites;
    /** Reused copy of statement text for the classifier (frames may be off-heap). */
    private byte[] scratch = new byte[512];
    /** The last statement text classified, {@code scratch} or null (over 64 KiB): SHOW PROCESSLIST's Info. */
    private byte[] lastText;

    private int lastTextLength;
    /**
     * Multi-statements as the client last set them with COM_SET_OPTION, or null: then as it logged in
     * ({@link Capability#MULTI_STATEMENTS}).
     */
    private Boolean multiStatementsOption;

    CommandIntake(
            CommandContext session,
            ClientReplies replies,
            SessionRouting routing,
            SessionLegs legs,
            SessionTracker tracker,
            PreparedStatements statements,
            LegDispatch dispatch,
            PreparedStatementCommands statementCommands,
            SessionKill kills,
            AdminStatementAnswers admin,
            ProcessListAnswer processList,
            StatementStatistics statistics,
            StringEscapes escapes) {
        this.statistics = statistics;
        this.escapes = escapes;
        this.session = session;
        this.replies = replies;
        this.routing = routing;
        this.legs = legs;
        this.tracker = tracker;
        this.statements = statements;
        this.dispatch = dispatch;
        this.statementCommands = statementCommands;
        this.kills = kills;
        this.admin = admin;
        this.processList = processList;
        this.rewrites = new StatementRewrites(session, legs, tracker);
    }

    /** A command from the client, framed whole (or, at 16 MiB and over, its first frame). */
    void start(CommandType command, ByteBuf frame) {
        Command cmd;
        switch (command) {
            case QUERY -> {
                long start = System.nanoTime();
                Classification classification = classify(frame);
                DigestEntry entry = classified;
                frame = rewrites.previousResults(rewrites.connectionId(command, frame, classification), classification);
                byte[] sql = keepsText(classification) ? payloadText(frame) : null;
                long errors = replies.errorsReplied();
                if (answeredByProxy(classification, sql)) {
                    frame.release();
                    StatementStatistics.answeredByProxy(entry, start, replies.errorsReplied() != errors);
                    return;
                }
                cmd = new Command(command, frame, classification, sql, null);
                cmd.countUnder(entry);
            }
            case INIT_DB -> cmd = new Command(command, frame, null, payloadText(frame), null);
            case STMT_PREPARE -> {
                if (!statements.fits(Packets.payloadLength(frame) - 1)) {
                    frame.release();
                    log.info(
                            "[conn {}] {}: prepare refused: {} statements keep {} bytes of text (session.max-prepared-*)",
                            session.info().connectionId(),
                            session.info().remote(),
                            statements.size(),
                            statements.bytes());
                    replies.reply(ProxyErrors.tooManyPreparedStatements(statements.maxCount()), 1);
                    return;
                }
                Classification classification = classify(frame);
                if (classification.kind() == StatementKind.KILL) {
                    // Its parameter would name a server thread at execution, another client's.
                    frame.release();
                    replies.reply(ProxyErrors.notSupported(UNMAPPED_KILL), 1);
                    return;
                }
                frame = rewrites.connectionId(command, frame, classification);
                cmd = new Command(command, frame, classification, payloadText(frame), null);
            }
            case STMT_EXECUTE, STMT_SEND_LONG_DATA, STMT_FETCH, STMT_RESET, STMT_CLOSE -> {
                statementCommands.start(command, frame);
                return;
            }
            case RESET_CONNECTION -> {
                resetConnection(frame);
                return;
            }
            case PROCESS_KILL -> {
                // COM_PROCESS_KILL names a connection by the id the client knows, the proxy's, like KILL.
                if (Packets.payloadLength(frame) < 5) {
                    frame.release();
                    session.abort(
                            ProxyErrors.malformedPacket("COM_PROCESS_KILL without a connection id"),
                            "short COM_PROCESS_KILL");
                    return;
                }
                long id = frame.getUnsignedIntLE(frame.readerIndex() + Packets.HEADER_SIZE + 1);
                frame.release();
                kills.kill(command, id, false);
                return;
            }
            case SET_OPTION -> {
                // Multi-statement handling is per connection: keep the session where it was changed.
                tracker.state().pin(Pin.MULTI_STATEMENT, "set_option");
                noteSetOption(frame);
                cmd = new Command(command, frame, null, null, null);
            }
            default -> cmd = new Command(command, frame, null, null, null);
        }
        session.begin(cmd);
        dispatch.dispatch(cmd, routing.router().route(command, cmd.classification(), false, tracker));
    }

    /** Answers the statements the proxy answers itself (admin statements, KILL, proxy settings); false for the rest. */
    private boolean answeredByProxy(Classification classification, byte[] sql) {
        if (classification.kind() == StatementKind.PROXY_ADMIN || classification.has(StatementFlag.MULTI_PROXY_ADMIN)) {
            admin.answer(sql, classification);
            return true;
        }
        if (classification.kind() == StatementKind.SHOW_PROCESSLIST) {
            processList.answer(SqlOperands.fullProcessList(sql));
            return true;
        }
        if (classification.kind() == StatementKind.KILL) {
            SqlOperands.KillTarget target = SqlOperands.killTarget(sql);
            if (target != null) {
                kills.kill(CommandType.QUERY, target.id(), target.query());
            } else {
                // KILL USER, KILL QUERY ID, an expression: on the primary it would name its threads, other clients'.
                replies.reply(ProxyErrors.notSupported(UNMAPPED_KILL), 1);
            }
            return true;
        }
        if (classification.has(StatementFlag.MULTI_KILL)) {
            // Never sent on: on a server it would name one of its threads by a proxy connection id, another client's.
            LeadingKill kill = classification.has(StatementFlag.TRUNCATED) ? null : LeadingKill.of(sql);
            if (!multiStatements()) {
                // The server would refuse the whole text (1064) and run none of it: so must the proxy.
                replies.reply(ProxyErrors.notSupported(KILL_WITHOUT_MULTI), 1);
            } else if (kill == null) {
                replies.reply(ProxyErrors.notSupported(KILL_IN_MULTI), 1);
            } else if (kill.target() == null) {
                replies.reply(ProxyErrors.notSupported(UNMAPPED_KILL), 1);
            } else {
                kills.killThen(kill.target().id(), kill.target().query(), killed -> afterKill(sql, kill.restStart()));
            }
            return true;
        }
        if (classification.kind() == StatementKind.SESSION_SET && sql != null) {
            String consistency = SqlOperands.proxySetting(sql, CONSISTENCY_SETTING);
            if (consistency != null) {
                setConsistency(consistency);
                return true;
            }
        }
        return false;
    }

    /**
     * The statements after the KILL that began a multi-statement, once the KILL was done: the client gets the
     * KILL's OK, saying more results follow, then the server's answer to the rest, numbered on after that OK.
     * The rest becomes the command in flight (the KILL's had nothing to release).
     */
    private void afterKill(byte[] sql, int restStart) {
        byte[] rest = Arrays.copyOfRange(sql, restStart, sql.length);
        Classification classification =
                StatementClassifier.classify(rest, 0, rest.length, null, escapes.noBackslashEscapes());
        replies.replyOkMoreResults(1);
        Command cmd = new Command(
                CommandType.QUERY,
                StmtCommands.command(session.alloc(), CommandType.QUERY, rest),
                classification,
                keepsText(classification) ? rest : null,
                null);
        cmd.answeredAhead(1);
        session.begin(cmd);
        dispatch.dispatch(cmd, routing.router().route(CommandType.QUERY, classification, false, tracker));
    }

    /** Whether the client has multi-statements on now: a text of several statements is run, not refused. */
    private boolean multiStatements() {
        return multiStatementsOption != null
                ? multiStatementsOption
                : Capability.MULTI_STATEMENTS.isSet(session.info().capabilities());
    }

    /** COM_SET_OPTION turning multi-statements on or off (a server accepts both values; others it refuses). */
    private void noteSetOption(ByteBuf frame) {
        if (Packets.payloadLength(frame) < 3) {
            return;
        }
        int option = frame.getUnsignedShortLE(frame.readerIndex() + Packets.HEADER_SIZE + 1);
        if (option == MULTI_STATEMENTS_ON || option == MULTI_STATEMENTS_OFF) {
            multiStatementsOption = option == MULTI_STATEMENTS_ON;
        }
    }

    private Classification classify(ByteBuf frame) {
        Classification classification;
        try {
            classification = classifyText(frame);
        } catch (RuntimeException | Error e) {
            frame.release(); // the caller's frame: a failure here must not leak it too
            throw e;
        }
        // A frame of 16 MiB is continued by frames not here yet: the text classified is only a beginning.
        return Packets.payloadLength(frame) == Packets.MAX_PAYLOAD
                ? Classification.of(
                        classification.kind(),
                        classification.flags() | StatementFlag.TRUNCATED.bit(),
                        classification.hint())
                : classification;
    }

    private Classification classifyText(ByteBuf frame) {
        int length = Packets.payloadLength(frame) - 1;
        if (length > scratch.length) {
            // Keep a large buffer only up to 64 KiB; longer statements get a one-off copy.
            byte[] text = new byte[length];
            frame.getBytes(frame.readerIndex() + Packets.HEADER_SIZE + 1, text);
            if (length <= 65536) {
                scratch = text;
            }
            lastText = length <= 65536 ? text : null;
            lastTextLength = length;
            return classifyAndDigest(text, length);
        }
        frame.getBytes(frame.readerIndex() + Packets.HEADER_SIZE + 1, scratch, 0, length);
        lastText = scratch;
        lastTextLength = length;
        return classifyAndDigest(scratch, length);
    }

    /** One pass over the text for both its classification and its digest (when statistics are on). */
    private Classification classifyAndDigest(byte[] text, int length) {
        boolean noBackslashEscapes = escapes.noBackslashEscapes();
        Classification classification =
                StatementClassifier.classify(text, 0, length, statistics.slot(), noBackslashEscapes);
        classified = statistics.classified(text, 0, length);
        return classification;
    }

    /**
     * The text of {@code cmd}, the command in flight, as far as the session still has it (the copy the
     * classifier read, which the next command's replaces), for SHOW PROCESSLIST's Info; else null.
     */
    String textOf(Command cmd) {
        return switch (cmd.type()) {
            case QUERY, STMT_PREPARE ->
                lastText == null ? null : new String(lastText, 0, lastTextLength, StandardCharsets.UTF_8);
            case STMT_EXECUTE ->
                cmd.statement() == null ? null : new String(cmd.statement().sql(), StandardCharsets.UTF_8);
            default -> null;
        };
    }

    /** Statements whose text the session keeps or reads after they ran (or, for KILL, instead of running them). */
    private static boolean keepsText(Classification c) {
        return switch (c.kind()) {
            case SESSION_SET, SET_TRANSACTION, USE, CALL, KILL, PROXY_ADMIN, SHOW_PROCESSLIST -> true;
            // A SET with global and session assignments (a write): its session wait_timeout is read after it ran.
            default ->
                c.has(StatementFlag.DIAGNOSTICS)
                        || c.has(StatementFlag.SESSION_FUNCTION)
                        || c.has(StatementFlag.MULTI_PROXY_ADMIN)
                        || c.has(StatementFlag.MULTI_KILL)
                        || (c.has(StatementFlag.GLOBAL_VARIABLE) && c.has(StatementFlag.SESSION_VARIABLE));
        };
    }

    private static byte[] payloadText(ByteBuf frame) {
        byte[] text = new byte[Packets.payloadLength(frame) - 1];
        frame.getBytes(frame.readerIndex() + Packets.HEADER_SIZE + 1, text);
        return text;
    }

    private void setConsistency(String value) {
        try {
            tracker.state().consistency(Consistency.parse(value));
            replies.replyOk(1);
        } catch (IllegalArgumentException e) {
            replies.reply(
                    new ErrPacket(
                            1231,
                            "42000",
                            "Variable '" + CONSISTENCY_SETTING + "' can't be set to the value of '" + value
                                    + "' (use eventual, session, global or strong)"),
                    1);
        }
    }

    /**
     * COM_RESET_CONNECTION: the session starts over on its primary connection, which the reset is sent
     * to (the router's decision names the primary; after a promotion the session's leg may still be on
     * the former one, and that is the connection to reset); replica legs go back clean.
     */
    private void resetConnection(ByteBuf frame) {
        statements.clear();
        tracker.reset();
        escapes.reset();
        legs.releaseReplicas();
        Leg primary = legs.primary();
        if (primary == null || primary.released()) {
            frame.release();
            replies.replyOk(1);
            return;
        }
        primary.insertId(0); // what the reset leaves, as the session's state now says
        Command cmd = new Command(CommandType.RESET_CONNECTION, frame, null, null, null);
        cmd.route(routing.router().route(CommandType.RESET_CONNECTION, null, false, tracker));
        session.begin(cmd);
        primary.connection().collation(BackendConnection.SERVER_DEFAULT_COLLATION);
        primary.connection().statementsDropped();
        primary.appliedVersion(tracker.state().version());
        dispatch.send(cmd, primary);
    }
}

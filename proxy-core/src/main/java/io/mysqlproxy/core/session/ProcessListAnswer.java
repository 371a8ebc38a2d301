package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * SHOW [FULL] PROCESSLIST, which the proxy answers from its own sessions: their ids are the ones its
 * clients were greeted with and KILL by, and a server's list would show its threads, other clients' and
 * the proxy's pooled connections among them. A user sees its own sessions, as MySQL shows a user
 * without the PROCESS privilege; users the configuration marks {@code admin} see all. Each session
 * describes itself on its own event loop ({@link SessionGathering}); the answer goes out once all did, or after {@link #ROWS_WAIT}
 * without the rows still missing (a session whose loop is stuck must not leave the asking one waiting).
 */
final class ProcessListAnswer {

    static final List<ColumnDefinition41> COLUMNS = List.of(
            ColumnDefinition41.bigint("Id"),
            ColumnDefinition41.text("User"),
            ColumnDefinition41.text("Host"),
            ColumnDefinition41.text("db"),
            ColumnDefinition41.text("Command"),
            ColumnDefinition41.bigint("Time"),
            ColumnDefinition41.text("State"),
            ColumnDefinition41.text("Info"));

    /** How long the answer waits for the sessions' rows. */
    static final Duration ROWS_WAIT = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(ProcessListAnswer.class);

    private final CommandContext session;
    private final ClientReplies replies;
    private final SessionServices services;

    ProcessListAnswer(CommandContext session, ClientReplies replies, SessionServices services) {
        this.session = session;
        this.replies = replies;
        this.services = services;
    }

    /** Answers SHOW PROCESSLIST ({@code full}: with whole statements) once every session described itself. */
    void answer(boolean full) {
        Command cmd = new Command(CommandType.QUERY, null, null, null, null);
        session.begin(cmd);
        String user = session.info().user();
        boolean everyone = services.isAdmin(user);
        SessionGathering.<ProcessListRow>gather(
                session.eventLoop(),
                services.sessions().all(),
                (target, row) -> target.describeFor(user, everyone, row),
                ROWS_WAIT,
                rows -> reply(cmd, full, rows),
                (missing, asked) -> log.warn(
                        "[conn {}] SHOW PROCESSLIST: {} of {} sessions did not describe themselves within {} ms: "
                                + "answered without them",
                        session.info().connectionId(),
                        missing,
                        asked,
                        ROWS_WAIT.toMillis()));
    }

    private void reply(Command cmd, boolean full, List<ProcessListRow> rows) {
        if (!session.isCurrent(cmd)) {
            return;
        }
        rows.sort(Comparator.comparingLong(ProcessListRow::id));
        replies.reply(new TextResultSet(
                COLUMNS, rows.stream().map(row -> row.toTextRow(full)).toList()));
        session.finish(cmd);
    }
}

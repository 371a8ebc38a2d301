package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.netty.util.concurrent.Promise;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * SHOW [FULL] PROCESSLIST, which the proxy answers from its own sessions: their ids are the ones its
 * clients were greeted with and KILL by, and a server's list would show its threads, other clients' and
 * the proxy's pooled connections among them. A user sees its own sessions, as MySQL shows a user
 * without the PROCESS privilege; users the configuration marks {@code admin} see all. Each session
 * describes itself on its own event loop; the answer goes out once all did.
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
        List<LiveSession> sessions = services.sessions().all();
        List<ProcessListRow> rows = new ArrayList<>(sessions.size());
        int[] pending = {sessions.size()};
        Runnable reply = () -> {
            if (!session.isCurrent(cmd)) {
                return;
            }
            rows.sort(Comparator.comparingLong(ProcessListRow::id));
            replies.reply(new TextResultSet(
                    COLUMNS, rows.stream().map(row -> row.toTextRow(full)).toList()));
            session.finish(cmd);
        };
        if (sessions.isEmpty()) {
            reply.run();
            return;
        }
        for (LiveSession target : sessions) {
            Promise<ProcessListRow> described = session.eventLoop().newPromise();
            described.addListener(f -> {
                // Listeners run on this session's loop: the list and the count need no locking.
                if (f.isSuccess() && described.getNow() != null) {
                    rows.add(described.getNow());
                }
                if (--pending[0] == 0) {
                    reply.run();
                }
            });
            target.describeFor(user, everyone, described);
        }
    }
}

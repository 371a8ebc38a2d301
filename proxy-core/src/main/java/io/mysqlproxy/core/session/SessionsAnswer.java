package io.mysqlproxy.core.session;

import io.mysqlproxy.core.report.SessionStatus;
import io.mysqlproxy.core.report.SessionsReport;
import io.mysqlproxy.protocol.flag.CommandType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SHOW PROXY SESSIONS: every session's {@link SessionStatus}, taken on its own loop and gathered as SHOW
 * PROCESSLIST's rows are, within {@link ProcessListAnswer#ROWS_WAIT}. Like SHOW PROCESSLIST, any user may ask:
 * users the configuration marks {@code admin} see all sessions, others their own user's.
 */
final class SessionsAnswer {

    private static final Logger log = LoggerFactory.getLogger(SessionsAnswer.class);

    private final CommandContext session;
    private final ClientReplies replies;
    private final SessionServices services;

    SessionsAnswer(CommandContext session, ClientReplies replies, SessionServices services) {
        this.session = session;
        this.replies = replies;
        this.services = services;
    }

    void answer() {
        Command cmd = new Command(CommandType.QUERY, null, null, null, null);
        session.begin(cmd);
        String user = session.info().user();
        boolean everyone = services.isAdmin(user);
        SessionGathering.<SessionStatus>gather(
                session.eventLoop(),
                services.sessions().all(),
                (target, status) -> target.statusFor(user, everyone, status),
                ProcessListAnswer.ROWS_WAIT,
                statuses -> {
                    if (session.isCurrent(cmd)) {
                        replies.reply(SessionsReport.resultSet(statuses));
                        session.finish(cmd);
                    }
                },
                (missing, asked) -> log.warn(
                        "[conn {}] SHOW PROXY SESSIONS: {} of {} sessions did not answer within {} ms: "
                                + "answered without them",
                        session.info().connectionId(),
                        missing,
                        asked,
                        ProcessListAnswer.ROWS_WAIT.toMillis()));
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.core.classify.ProxyAdminStatement;
import io.mysqlproxy.core.classify.QueryListing;
import io.mysqlproxy.core.classify.StatementKind;
import io.mysqlproxy.core.error.LogText;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.report.BackendStatus;
import io.mysqlproxy.core.report.BackendsReport;
import io.mysqlproxy.core.report.QueriesReport;
import io.mysqlproxy.core.report.StatsReport;
import io.mysqlproxy.core.stats.QueryOrder;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The proxy's admin statements on the proxy port, for operators with a mysql client: SHOW PROXY
 * BACKENDS, SHOW PROXY STATS, SHOW PROXY SESSIONS (which every user may send: see {@link SessionsAnswer}),
 * SHOW PROXY QUERIES, EXPLAIN ROUTE, PROXY UNBLOCK HOST / ALL HOSTS and PROXY RESET QUERIES. The proxy
 * answers them itself, never sends them to a
 * server, and answers them only to users its configuration marks {@code admin}; others get error
 * 1227, as MySQL answers a statement that needs a privilege the user lacks.
 */
final class AdminStatementAnswers {

    private static final Logger log = LoggerFactory.getLogger(AdminStatementAnswers.class);

    private final CommandContext session;
    private final ClientReplies replies;
    private final SessionServices services;
    private final SessionTracker tracker;
    private final LegDispatch dispatch;
    private final SessionsAnswer sessions;

    AdminStatementAnswers(
            CommandContext session,
            ClientReplies replies,
            SessionServices services,
            SessionTracker tracker,
            LegDispatch dispatch,
            SessionsAnswer sessions) {
        this.session = session;
        this.sessions = sessions;
        this.replies = replies;
        this.services = services;
        this.tracker = tracker;
        this.dispatch = dispatch;
    }

    /** Answers {@code sql}, a COM_QUERY text that is, or holds, one of the admin statements. */
    void answer(byte[] sql, Classification classification) {
        SessionInfo info = session.info();
        if (classification.kind() == StatementKind.PROXY_ADMIN
                && ProxyAdminStatement.parse(sql).kind() == ProxyAdminStatement.Kind.SHOW_SESSIONS) {
            // Like SHOW PROCESSLIST, for every user: those not admin see their own user's sessions.
            sessions.answer();
            return;
        }
        if (!services.isAdmin(info.user())) {
            log.info(
                    "[conn {}] {}: admin statement refused: user '{}' is not an admin",
                    info.connectionId(),
                    info.remote(),
                    LogText.escape(info.user()));
            replies.reply(ProxyErrors.adminOnly(), 1);
            return;
        }
        if (classification.kind() != StatementKind.PROXY_ADMIN) {
            replies.reply(
                    ProxyErrors.adminSyntax("SHOW PROXY and EXPLAIN ROUTE must be sent alone, not with "
                            + "other statements in one text"),
                    1);
            return;
        }
        ProxyAdminStatement statement = ProxyAdminStatement.parse(sql);
        log.debug("[conn {}] {}: admin statement {}", info.connectionId(), info.remote(), statement.kind());
        switch (statement.kind()) {
            case SHOW_BACKENDS ->
                replies.reply(BackendsReport.resultSet(
                        BackendStatus.of(services.topology(), services.pools(), services.metrics())));
            case SHOW_SESSIONS -> sessions.answer();
            case SHOW_STATS ->
                replies.reply(StatsReport.resultSet(services.metrics().stats()));
            case EXPLAIN_ROUTE ->
                replies.reply(ExplainRoute.explain(
                        sql, statement.statementStart(), tracker, services.router(), dispatch::preview));
            case SHOW_BLOCKED_HOSTS -> {
                List<TextRow> rows = services.failedLogins().blockedList().stream()
                        .map(TextRow::of)
                        .toList();
                replies.reply(new TextResultSet(List.of(ColumnDefinition41.text("blocked_host")), rows));
            }
            case UNBLOCK_HOST -> {
                boolean wasBlocked = services.failedLogins().unblock(statement.host());
                log.info(
                        "[conn {}] {}: PROXY UNBLOCK HOST '{}' by '{}' (was blocked: {})",
                        info.connectionId(),
                        info.remote(),
                        LogText.escape(statement.host()),
                        LogText.escape(info.user()),
                        wasBlocked);
                replies.reply(unblocked(wasBlocked ? 1 : 0));
            }
            case UNBLOCK_ALL_HOSTS -> {
                int count = services.failedLogins().unblockAll();
                log.info(
                        "[conn {}] {}: PROXY UNBLOCK ALL HOSTS by '{}' ({} blocked)",
                        info.connectionId(),
                        info.remote(),
                        LogText.escape(info.user()),
                        count);
                replies.reply(unblocked(count));
            }
            case SHOW_QUERIES -> {
                QueryListing listing = QueryListing.parse(sql, statement.statementStart());
                replies.reply(QueriesReport.resultSet(services.queryStats()
                        .rows(QueryOrder.parse(listing.order()), listing.descending(), listing.limit())));
            }
            case RESET_QUERIES -> {
                services.queryStats().reset();
                log.info(
                        "[conn {}] {}: PROXY RESET QUERIES by '{}'",
                        info.connectionId(),
                        info.remote(),
                        LogText.escape(info.user()));
                replies.replyOk(1);
            }
            case INVALID -> replies.reply(ProxyErrors.adminSyntax(statement.error()), 1);
        }
    }

    /** One row: how many addresses were blocked and are no longer. */
    private static TextResultSet unblocked(int count) {
        return new TextResultSet(
                List.of(ColumnDefinition41.bigint("unblocked_hosts")), List.of(TextRow.of(String.valueOf(count))));
    }
}

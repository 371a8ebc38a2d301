package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.config.Multiplexing;
import io.mysqlproxy.core.config.ProxyConfig;
import io.netty.channel.Channel;

/**
 * How a session's parts are connected: each gets the narrow view of the session and of the proxy it
 * uses, and the session ({@link FrontendSession}) keeps the ones it drives itself.
 */
record SessionParts(
        ClientExchange exchange,
        SessionLegs legs,
        SessionTracker tracker,
        CommandIntake intake,
        SessionIdleTimer idle,
        UserChange userChange,
        SessionEnd end,
        HoldWatch holds) {

    /** The session as its parts see it. */
    interface Owner
            extends CommandContext,
                    ClientExchange.Session,
                    SessionKill.Target,
                    SessionIdleTimer.Owner,
                    UserChange.Session,
                    SessionEnd.Session {}

    static SessionParts wire(
            Owner session,
            SessionIdentity identity,
            LoginConnections.Started first,
            SessionServices services,
            ClientCommandFramer framer,
            Channel channel,
            ClientSequence sequence) {
        SessionInfo info = identity.info();
        BackendLogin login = identity.login();
        ProxyConfig.SessionLimits limits = services.sessionLimits();
        PreparedStatements statements =
                new PreparedStatements(limits.maxPreparedStatements(), limits.maxPreparedStatementBytes());
        StringEscapes escapes = new StringEscapes(first.connection().loginOk().statusFlags());
        ClientExchange exchange = new ClientExchange(session, info, sequence, framer, services.metrics(), escapes);
        SessionLegs legs = new SessionLegs(services, exchange, statements);
        SessionTracker tracker = new SessionTracker(
                legs,
                new ReadYourWrites(services.routing().consistencyWaitTimeout()),
                WaitTimeout.atLogin(info, first.connection().greeting().serverVersion()),
                new SessionState(
                        login.database(),
                        login.characterSet(),
                        services.consistencyOf(info.user()),
                        limits.maxReplayedSetBytes()),
                first.connection().loginOk().statusFlags());
        boolean multiplexing = services.multiplexing() == Multiplexing.TRANSACTION;
        if (multiplexing) {
            statements.share(new SharedStatements(tracker::state, services.preparedStatementCache()));
            legs.multiplex(new LegImprints(tracker::state, statements));
            tracker.multiplex();
        }
        legs.adopt(first.backend(), first.connection());
        LegDispatch dispatch =
                new LegDispatch(session, exchange, services, services, services.metrics(), legs, tracker, statements);
        SessionKill kills = new SessionKill(session, exchange, session, services, services.sessions());
        HoldWatch holds = new HoldWatch(tracker, statements, services.metrics().sessions(), identity);
        StatementStatistics statistics = new StatementStatistics(services.queryStats(), escapes);
        CommandIntake intake = new CommandIntake(
                session,
                exchange,
                services,
                legs,
                tracker,
                statements,
                dispatch,
                new PreparedStatementCommands(session, exchange, services, tracker, dispatch, statements, statistics),
                kills,
                new AdminStatementAnswers(
                        session,
                        exchange,
                        services,
                        tracker,
                        dispatch,
                        new SessionsAnswer(session, exchange, services)),
                new ProcessListAnswer(session, exchange, services),
                statistics,
                escapes);
        SessionIdleTimer idle = new SessionIdleTimer(
                channel.eventLoop(),
                session,
                legs,
                tracker,
                statements,
                services.returnAfterIdle(),
                multiplexing,
                identity.logPrefix());
        UserChange userChange =
                new UserChange(session, services, identity, legs, statements, tracker, idle, sequence, holds, escapes);
        SessionEnd end = new SessionEnd(
                session,
                channel,
                identity,
                legs,
                sequence,
                kills,
                new SessionSnapshots(session, identity, legs, tracker, idle, holds),
                holds);
        exchange.attach(
                tracker,
                holds,
                new LegFailures(session, session, legs, tracker, dispatch, sequence, idle, services.metrics()));
        return new SessionParts(exchange, legs, tracker, intake, idle, userChange, end, holds);
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.report.SessionStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Takes a session's {@link SessionStatus} for SHOW PROXY SESSIONS and {@code /sessions}, on the session's
 * own event loop (where everything it reads lives): who it is, how long it has been open and idle, whether
 * it runs a command or holds a transaction, the backend connections it holds and why it keeps them.
 */
final class SessionSnapshots {

    private final ClientExchange.Session session;
    private final SessionIdentity identity;
    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final SessionIdleTimer idle;
    private final HoldWatch holds;
    private final long startedAt = System.nanoTime();

    SessionSnapshots(
            ClientExchange.Session session,
            SessionIdentity identity,
            SessionLegs legs,
            SessionTracker tracker,
            SessionIdleTimer idle,
            HoldWatch holds) {
        this.session = session;
        this.identity = identity;
        this.legs = legs;
        this.tracker = tracker;
        this.idle = idle;
        this.holds = holds;
    }

    SessionStatus take() {
        SessionInfo info = identity.info();
        String state = session.current() != null
                ? SessionStatus.IN_COMMAND
                : tracker.inTransaction() ? SessionStatus.IN_TRANSACTION : SessionStatus.IDLE;
        List<SessionStatus.Connection> connections = new ArrayList<>();
        for (Leg leg : legs.held()) {
            connections.add(new SessionStatus.Connection(
                    leg.backend().name(),
                    leg.backend().role().label(),
                    leg.connection().greeting().connectionId()));
        }
        List<SessionStatus.Held> held = holds.holds().stream()
                .map(h -> new SessionStatus.Held(h.reason().label(), h.cause()))
                .toList();
        return new SessionStatus(
                info.connectionId(),
                info.user(),
                info.remote(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt),
                TimeUnit.NANOSECONDS.toMillis(Math.max(0, idle.sinceActivity())),
                state,
                connections,
                held);
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.metrics.SessionMeters;
import io.mysqlproxy.core.report.SessionStatus;
import io.mysqlproxy.core.topology.Backend;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The live client sessions by proxy connection id (the greeting's, the only id clients know), so
 * that KILL in one session can reach another, whichever event loop serves it, and so that a
 * shutdown can drain them all. A session adds itself when its command phase starts and removes
 * itself when its channel closes.
 */
public final class SessionRegistry {

    private final ConcurrentMap<Long, LiveSession> sessions = new ConcurrentHashMap<>();
    private volatile boolean draining;

    /**
     * Shows the sessions in {@code meters}: the live sessions, and every reason a session may be held for
     * (at 0 until the first pin). Returns this registry.
     */
    public SessionRegistry metered(SessionMeters meters) {
        meters.clientSessions(this::size);
        meters.holdReasons(HoldWatch.labels());
        return this;
    }

    void add(long connectionId, LiveSession session) {
        sessions.put(connectionId, session);
        if (draining) {
            // Logged in while the proxy began to shut down: it drains like the others.
            session.drain();
        }
    }

    void remove(long connectionId, LiveSession session) {
        sessions.remove(connectionId, session);
    }

    /** Live sessions. */
    public int size() {
        return sessions.size();
    }

    /**
     * The proxy is shutting down: every session, and every one that logs in from now on, ends at
     * its next transaction boundary (see {@link LiveSession#drain}).
     */
    public void drainAll() {
        draining = true;
        all().forEach(LiveSession::drain);
    }

    /** Every session still open is cut, with error 1053, for {@code reason} (the drain deadline, or the proxy closing). */
    public void shutDownAll(String reason) {
        all().forEach(session -> session.shutDown(reason));
    }

    /** {@code backend} went down: every session closes its idle connection there (see {@link LiveSession#backendDown}). */
    public void backendDown(Backend backend) {
        all().forEach(session -> session.backendDown(backend));
    }

    /**
     * Every live session's {@link SessionStatus}, for {@code /sessions}: each is taken on its session's loop,
     * and those not taken within {@code wait} (a stuck loop) are left out. Blocks the caller up to
     * {@code wait}: for the admin threads, never an event loop.
     */
    public List<SessionStatus> statuses(Duration wait) throws InterruptedException {
        List<Promise<SessionStatus>> asked = new ArrayList<>();
        for (LiveSession session : all()) {
            Promise<SessionStatus> status = GlobalEventExecutor.INSTANCE.newPromise();
            session.statusFor(null, true, status);
            asked.add(status);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        List<SessionStatus> statuses = new ArrayList<>(asked.size());
        for (Promise<SessionStatus> status : asked) {
            if (status.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    && status.getNow() != null) {
                statuses.add(status.getNow());
            }
        }
        return statuses;
    }

    /** The live sessions now, a copy. */
    List<LiveSession> all() {
        return List.copyOf(sessions.values());
    }

    /** The session with this connection id, or null. */
    LiveSession get(long connectionId) {
        return sessions.get(connectionId);
    }
}

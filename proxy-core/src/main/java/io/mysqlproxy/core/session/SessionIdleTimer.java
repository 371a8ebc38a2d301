package io.mysqlproxy.core.session;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What happens to a session that is idle, counted from the end of its last command: after
 * backends.pool.return-after-idle its legs go back to their pools ({@link IdleLegReturn}), and after
 * the idle timeout the session ends, like MySQL's wait_timeout. One timer per session, re-armed only
 * when the next deadline comes sooner, so a busy session costs a comparison per command.
 */
final class SessionIdleTimer {

    /** The session side of the timer. */
    interface Owner {
        /** Whether the client is mid-command (then nothing idle happens). */
        boolean midCommand();

        boolean closing();

        /** The session was idle for the whole idle timeout: end it. */
        void idleTimedOut(long idleNanos);

        /** An idle return's asynchronous step ended; commands that waited for it may run. */
        void legsReturned();
    }

    private static final Logger log = LoggerFactory.getLogger(SessionIdleTimer.class);

    private final EventExecutor executor;
    private final Owner owner;
    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final PreparedStatements statements;
    private final Duration idleTimeout;
    /** backends.pool.return-after-idle in nanoseconds; 0: legs stay until the session ends. */
    private final long returnAfterIdle;

    private final String session;
    private long lastActivity;
    private ScheduledFuture<?> check;
    /** System.nanoTime() at which {@link #check} runs. */
    private long checkAt;
    /** Non-null while an idle session's primary leg is read before it goes back to its pool. */
    private IdleLegReturn returning;

    SessionIdleTimer(
            EventExecutor executor,
            Owner owner,
            SessionLegs legs,
            SessionTracker tracker,
            PreparedStatements statements,
            Duration idleTimeout,
            Duration returnAfterIdle,
            String session) {
        this.executor = executor;
        this.owner = owner;
        this.legs = legs;
        this.tracker = tracker;
        this.statements = statements;
        this.idleTimeout = idleTimeout;
        this.returnAfterIdle = returnAfterIdle.toNanos();
        this.session = session;
    }

    /** The session (re)starts idle now: at login or after a change of user. */
    void start() {
        lastActivity = System.nanoTime();
        armBy(lastActivity + nextStep());
    }

    /** The client sent something. */
    void clientActive() {
        lastActivity = System.nanoTime();
    }

    /** A command finished: idleness counts from now. */
    /** Nanoseconds since the client was last active or a command finished: SHOW PROCESSLIST's Time. */
    long sinceActivity() {
        return System.nanoTime() - lastActivity;
    }

    void commandFinished() {
        lastActivity = System.nanoTime();
        if (returnAfterIdle > 0) {
            armBy(lastActivity + returnAfterIdle);
        }
    }

    /** Whether an idle return is reading the primary leg before giving it back (commands wait meanwhile). */
    boolean returning() {
        return returning != null;
    }

    /** {@code leg} failed: an idle return waiting on it is over. */
    void legFailed(Leg leg) {
        if (returning != null && returning.waitsOn(leg)) {
            returning.abandon();
            returned();
        }
    }

    void stop() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    /** Makes sure the check runs by {@code deadline} (System.nanoTime()). */
    private void armBy(long deadline) {
        if (check != null) {
            if (checkAt - deadline <= 0) {
                return;
            }
            check.cancel(false);
        }
        checkAt = deadline;
        check = executor.schedule(this::run, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Time from the last activity to the next thing an idle session may have to do. */
    private long nextStep() {
        long timeout = idleTimeout.toNanos();
        return returnAfterIdle > 0 && legs.holdsAny() ? Math.min(timeout, returnAfterIdle) : timeout;
    }

    private void run() {
        check = null;
        if (owner.closing()) {
            return;
        }
        long now = System.nanoTime();
        if (owner.midCommand() || returning != null) {
            armBy(now + nextStep());
            return;
        }
        long idle = now - lastActivity;
        if (idle >= idleTimeout.toNanos()) {
            owner.idleTimedOut(idle);
            return;
        }
        if (returnAfterIdle > 0 && idle >= returnAfterIdle && legs.holdsAny() && tracker.mayReturnLegs()) {
            returnLegs();
        }
        // Before return-after-idle the next step may be the return; after it, only the idle timeout.
        armBy(lastActivity + (idle < returnAfterIdle ? nextStep() : idleTimeout.toNanos()));
    }

    private void returnLegs() {
        IdleLegReturn giving = new IdleLegReturn(legs, tracker, statements, this::returned);
        returning = giving;
        if (!giving.start()) {
            returning = null;
        }
        log.debug(
                "{}: idle, {} backend connections",
                session,
                returning != null
                        ? "reading the primary connection before giving back its"
                        : legs.holdsAny() ? "gave back some of its" : "gave back its");
    }

    private void returned() {
        returning = null;
        owner.legsReturned();
    }
}

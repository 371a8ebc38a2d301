package io.mysqlproxy.core.session;

import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What happens to a session that is idle, counted from the end of its last command: after
 * backends.pool.return-after-idle its legs go back to their pools ({@link IdleLegReturn}) (under
 * transaction multiplexing at once, when nothing holds them and no command is queued), and after
 * the session's wait_timeout ({@link WaitTimeout}, which its SETs may change) the session ends. One
 * timer per session, re-armed only when the next deadline comes sooner, so a busy session costs a
 * comparison per command; a deadline that moved later is found when the timer runs.
 */
final class SessionIdleTimer {

    /** The session side of the timer. */
    interface Owner {
        /** Whether the client is mid-command (then nothing idle happens). */
        boolean midCommand();

        boolean closing();

        /** The session was idle for its whole wait_timeout: end it. */
        void idleTimedOut(long idleNanos);

        /** An idle return's asynchronous step ended; commands that waited for it may run. */
        void legsReturned();
    }

    private static final Logger log = LoggerFactory.getLogger(SessionIdleTimer.class);

    private final EventExecutor executor;
    /** The clock the executor schedules by, so that idleness and its checks agree. */
    private final Ticker ticker;

    private final Owner owner;
    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final PreparedStatements statements;
    private final WaitTimeout waitTimeout;
    /** backends.pool.return-after-idle in nanoseconds; 0: legs stay until the session ends. */
    private final long returnAfterIdle;

    private final String session;
    private long lastActivity;
    private ScheduledFuture<?> check;
    /** ticker.nanoTime() at which {@link #check} runs. */
    private long checkAt;
    /** Non-null while an idle session's primary leg is read before it goes back to its pool. */
    private IdleLegReturn returning;
    /** Transaction multiplexing: legs go back as soon as a command ends with nothing holding them. */
    private final boolean atBoundary;
    /** Whether the look at the boundary is queued on the executor (once per command end). */
    private boolean boundaryQueued;

    SessionIdleTimer(
            EventExecutor executor,
            Owner owner,
            SessionLegs legs,
            SessionTracker tracker,
            PreparedStatements statements,
            Duration returnAfterIdle,
            boolean atBoundary,
            String session) {
        this.executor = executor;
        this.ticker = executor instanceof AbstractScheduledEventExecutor scheduler
                ? scheduler.ticker()
                : Ticker.systemTicker();
        this.owner = owner;
        this.legs = legs;
        this.tracker = tracker;
        this.statements = statements;
        this.waitTimeout = tracker.waitTimeout();
        this.returnAfterIdle = returnAfterIdle.toNanos();
        this.atBoundary = atBoundary;
        this.session = session;
    }

    /** The session (re)starts idle now: at login or after a change of user. */
    void start() {
        lastActivity = ticker.nanoTime();
        armBy(lastActivity + nextStep());
        // Under transaction multiplexing the connection the login used goes back at once too: a login
        // storm must not hold one pooled connection per session until each session's first command.
        queueBoundaryLook();
    }

    /** The client sent something. */
    void clientActive() {
        lastActivity = ticker.nanoTime();
    }

    /** Nanoseconds since the client was last active or a command finished: SHOW PROCESSLIST's Time. */
    long sinceActivity() {
        return ticker.nanoTime() - lastActivity;
    }

    /** A command finished: idleness counts from now, and the command may have shortened the wait_timeout. */
    void commandFinished() {
        // Once the relay has flushed the response to the client (the backend's read completes first)
        // and a pipelined command, if any, has started.
        queueBoundaryLook();
        lastActivity = ticker.nanoTime();
        long timeout = waitTimeout.nanos();
        armBy(lastActivity + (returnAfterIdle > 0 ? Math.min(timeout, returnAfterIdle) : timeout));
    }

    /**
     * Whether the session, idle now, reaches its wait_timeout within {@code margin} nanoseconds: a
     * server connection lost now most likely ran out of the same wait_timeout, replayed on it.
     */
    boolean expiresWithin(long margin) {
        return ticker.nanoTime() - lastActivity >= waitTimeout.nanos() - margin;
    }

    /** Ends the session as its wait_timeout would (a held connection's server was a moment quicker). */
    void expireNow() {
        stop();
        owner.idleTimedOut(ticker.nanoTime() - lastActivity);
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

    /** Makes sure the check runs by {@code deadline} (ticker.nanoTime()). */
    private void armBy(long deadline) {
        if (check != null) {
            if (checkAt - deadline <= 0) {
                return;
            }
            check.cancel(false);
        }
        checkAt = deadline;
        check = executor.schedule(this::run, Math.max(0, deadline - ticker.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Time from the last activity to the next thing an idle session may have to do. */
    private long nextStep() {
        long timeout = waitTimeout.nanos();
        return returnAfterIdle > 0 && legs.holdsAny() ? Math.min(timeout, returnAfterIdle) : timeout;
    }

    private void run() {
        check = null;
        if (owner.closing()) {
            return;
        }
        long now = ticker.nanoTime();
        if (owner.midCommand() || returning != null) {
            armBy(now + nextStep());
            return;
        }
        long idle = now - lastActivity;
        if (idle >= waitTimeout.nanos()) {
            owner.idleTimedOut(idle);
            return;
        }
        if (returnAfterIdle > 0 && idle >= returnAfterIdle && legs.holdsAny()) {
            // What the last statement left for the client (warnings, FOUND_ROWS()) expires here, or a session
            // whose last statement warned would keep its connection until wait_timeout; a connection with
            // diagnostics goes back to be reset (SessionLegs.giveBack).
            tracker.results().expire();
            if (tracker.mayReturnLegs()) {
                returnLegs();
            }
        }
        // Before return-after-idle the next step may be the return; after it, only the idle timeout.
        armBy(lastActivity + (idle < returnAfterIdle ? nextStep() : waitTimeout.nanos()));
    }

    /** Transaction multiplexing: looks at the boundary once the executor runs next (once per look). */
    private void queueBoundaryLook() {
        if (atBoundary && !boundaryQueued && legs.holdsAny()) {
            boundaryQueued = true;
            executor.execute(this::atBoundary);
        }
    }

    /** Transaction multiplexing: the legs go back if the session is still between commands with nothing held. */
    private void atBoundary() {
        boundaryQueued = false;
        if (!owner.closing()
                && !owner.midCommand()
                && returning == null
                && legs.holdsAny()
                && tracker.mayReturnLegs()) {
            returnLegs();
        }
    }

    private void returnLegs() {
        IdleLegReturn giving = new IdleLegReturn(legs, tracker, statements, atBoundary, this::returned);
        returning = giving;
        if (!giving.start()) {
            returning = null;
        }
        if (atBoundary) {
            return; // at every statement: nothing worth a line
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

package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Statements that need the primary while it is away (a restart, a failover) wait here instead of failing at
 * once, bounded in time ({@code backends.primary-outage-buffer}) and in number across the proxy
 * ({@code …-max-waiting}). A waiting statement tries again whenever the health monitor finds the primary
 * writable, and at least every {@link #RETRY_NANOS} on its own, since a restart may be over before any check
 * notices it was down. Everything about one statement happens on its session's event loop; only the count is
 * shared.
 */
public final class PrimaryOutageBuffer {

    /** How often a waiting statement tries the primary again even if no health check said it is back. */
    static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** How a waiting statement ends, as {@code mysqlproxy_primary_buffer_waits_total} counts it. */
    public enum Outcome {
        /** It went to the primary after waiting. */
        RESUMED,
        /** The buffer time ran out: it got the error. */
        EXPIRED,
        /** Too many statements were waiting already: it got the error at once. */
        REJECTED,
        /** Its client went away, or the session ended it otherwise, while it waited. */
        ABANDONED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The session's side of a waiting statement; called on the session's event loop. */
    public interface Waiter {
        /** The primary may be back: try again (and {@link Wait#park} again if it is not). */
        void retry();

        /** The buffer time ran out while the statement was parked: fail it. */
        void expired();
    }

    private final Supplier<ProxyConfig.OutageBuffer> settings;
    private final ProxyMetrics metrics;
    private final AtomicInteger waiting = new AtomicInteger();
    private final Set<Wait> parked = ConcurrentHashMap.newKeySet();

    public PrimaryOutageBuffer(Supplier<ProxyConfig.OutageBuffer> settings, ProxyMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        metrics.outages().waiting(waiting::get);
    }

    /** Statements waiting now. */
    public int waiting() {
        return waiting.get();
    }

    /**
     * Admits a statement that found the primary away, or returns null when it must fail at once: the buffer
     * is off, or full (counted as {@link Outcome#REJECTED}). Must be called on {@code loop}.
     */
    public Wait admit(EventLoop loop, Waiter waiter) {
        ProxyConfig.OutageBuffer buffer = settings.get();
        if (!buffer.enabled()) {
            return null;
        }
        while (true) {
            int now = waiting.get();
            if (now >= buffer.maxWaiting()) {
                metrics.outages().waitEnded(Outcome.REJECTED.label(), 0);
                return null;
            }
            if (waiting.compareAndSet(now, now + 1)) {
                return new Wait(loop, waiter, buffer.window().toNanos());
            }
        }
    }

    /** The health monitor found the primary writable: every parked statement tries again now. Any thread. */
    public void primaryMaybeBack() {
        for (Wait wait : parked) {
            wait.loop.execute(wait::wake);
        }
    }

    /** One statement's wait, from {@link #admit} until {@link #end}. Used on its session's event loop only. */
    public final class Wait {
        private final EventLoop loop;
        private final Waiter waiter;
        private final long admitted = System.nanoTime();
        private final ScheduledFuture<?> deadline;
        private ScheduledFuture<?> retry;
        private boolean expired;
        private boolean ended;

        private Wait(EventLoop loop, Waiter waiter, long windowNanos) {
            this.loop = loop;
            this.waiter = waiter;
            this.deadline = loop.schedule(this::expire, windowNanos, TimeUnit.NANOSECONDS);
        }

        /**
         * The primary is still away: wait for the next sign it is back. Returns false, with nothing scheduled,
         * once the buffer time has run out: the caller fails the statement and {@link #end}s the wait.
         */
        public boolean park() {
            if (expired || ended) {
                return false;
            }
            parked.add(this);
            retry = loop.schedule(this::wake, RETRY_NANOS, TimeUnit.NANOSECONDS);
            return true;
        }

        /** How long the statement has waited. */
        public long waitedNanos() {
            return System.nanoTime() - admitted;
        }

        /** The wait is over ({@code outcome}); idempotent, the first outcome counts. */
        public void end(Outcome outcome) {
            if (ended) {
                return;
            }
            ended = true;
            unpark();
            deadline.cancel(false);
            waiting.decrementAndGet();
            metrics.outages().waitEnded(outcome.label(), waitedNanos());
        }

        private void wake() {
            if (ended || !parked.contains(this)) {
                return;
            }
            unpark();
            waiter.retry();
        }

        private void expire() {
            expired = true;
            if (parked.contains(this)) {
                unpark();
                waiter.expired();
            }
            // Otherwise a retry is under way; its next park() says the time is up.
        }

        private void unpark() {
            parked.remove(this);
            if (retry != null) {
                retry.cancel(false);
                retry = null;
            }
        }
    }
}

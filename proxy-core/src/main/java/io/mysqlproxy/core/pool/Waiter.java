package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A borrower that found the pool full: what it asked for, where to hand the connection, and the
 * timer that fails it after the borrow timeout.
 */
final class Waiter {

    final EventLoop loop;
    final BackendLogin login;
    final PoolKey key;
    final boolean anySchema;
    final IdlePreference preference;
    final Promise<BackendConnection> promise;
    private ScheduledFuture<?> timeout;
    /** When it started waiting (System.nanoTime()). */
    private final long since = System.nanoTime();
    /** The check that frees a slot for it should it still wait by then, once scheduled; guarded by this. */
    private ScheduledFuture<?> starvationCheck;
    /** Served or failed another way: no check is scheduled any more; guarded by this. */
    private boolean over;

    Waiter(
            EventLoop loop,
            BackendLogin login,
            PoolKey key,
            boolean anySchema,
            IdlePreference preference,
            Promise<BackendConnection> promise) {
        this.loop = loop;
        this.preference = preference;
        this.login = login;
        this.key = key;
        this.anySchema = anySchema;
        this.promise = promise;
    }

    /** Set once, on the waiter's loop, before the waiter is queued. */
    void timeout(ScheduledFuture<?> timeout) {
        this.timeout = timeout;
    }

    /**
     * Whether it has waited a quarter of {@code borrowTimeout}: a connection it cannot use is then closed to
     * free a slot for it. If not, once per waiter, {@code freeASlot} runs on its loop when it has, should it
     * still wait then (the connections it could not use went to later waiters or stayed idle meanwhile).
     */
    boolean starving(Duration borrowTimeout, Runnable freeASlot) {
        long patience = borrowTimeout.toNanos() / 4;
        long waited = System.nanoTime() - since;
        if (waited >= patience) {
            return true;
        }
        synchronized (this) {
            if (starvationCheck == null && !over) {
                starvationCheck = loop.schedule(
                        () -> {
                            if (!promise.isDone()) {
                                freeASlot.run();
                            }
                        },
                        patience - waited,
                        TimeUnit.NANOSECONDS);
            }
        }
        return false;
    }

    /** Whether it started waiting before {@code other}. */
    boolean waitedLonger(Waiter other) {
        return since - other.since < 0;
    }

    /** The waiter is served (or failed) another way: neither its timer nor its starvation check must run. */
    void cancelTimeout() {
        timeout.cancel(false);
        synchronized (this) {
            over = true;
            if (starvationCheck != null) {
                starvationCheck.cancel(false);
            }
        }
    }

    /**
     * Whether {@code connection}, returned on {@code returnedOn} for {@code returnedKey}, can go to this waiter
     * as it is: on the same loop and key, and on the login's schema unless the waiter changes it as an idle
     * borrow would (a waiter without a schema cannot "unselect" one).
     */
    boolean canTake(EventLoop returnedOn, PoolKey returnedKey, BackendConnection connection) {
        return loop == returnedOn
                && key.equals(returnedKey)
                && (connection.onSchema(login.database()) || anySchema && login.database() != null);
    }
}

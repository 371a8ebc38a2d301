package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

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

    /** The waiter is served (or failed) another way: its timer must not fire. */
    void cancelTimeout() {
        timeout.cancel(false);
    }

    /** Whether a connection returned on {@code returnedOn} for {@code returnedKey} can go to this waiter as it is. */
    boolean canTake(EventLoop returnedOn, PoolKey returnedKey) {
        return loop == returnedOn && key.equals(returnedKey);
    }
}

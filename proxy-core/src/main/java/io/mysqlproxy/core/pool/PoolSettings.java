package io.mysqlproxy.core.pool;

import java.time.Duration;

/**
 * Bounds of one backend's pool: at most {@code maxConnections} open (in use, idle or being reset),
 * idle ones closed after {@code idleTimeout}, and a borrower waits at most {@code borrowTimeout}
 * for a free slot before it gets an error. Of each {@link PoolKey}'s idle connections,
 * {@code maxIdlePerKey} are kept as its reserve, the rest closed once idle for
 * {@code excessIdleTimeout}; one user has at most {@code maxPerUser} connections in use or
 * awaited.
 */
public record PoolSettings(
        int maxConnections,
        Duration idleTimeout,
        Duration borrowTimeout,
        Duration resetTimeout,
        int maxIdlePerKey,
        Duration excessIdleTimeout,
        int maxPerUser) {

    /** No idle reserve smaller than the pool, no per-user share. */
    public PoolSettings(int maxConnections, Duration idleTimeout, Duration borrowTimeout, Duration resetTimeout) {
        this(maxConnections, idleTimeout, borrowTimeout, resetTimeout, maxConnections, idleTimeout, Integer.MAX_VALUE);
    }
}

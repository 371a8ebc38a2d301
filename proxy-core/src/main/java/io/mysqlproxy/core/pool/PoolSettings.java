package io.mysqlproxy.core.pool;

import java.time.Duration;

/**
 * Bounds of one backend's pool: at most {@code maxConnections} open (in use, idle or being reset),
 * idle ones closed after {@code idleTimeout}, and a borrower waits at most {@code borrowTimeout}
 * for a free slot before it gets an error.
 */
public record PoolSettings(int maxConnections, Duration idleTimeout, Duration borrowTimeout, Duration resetTimeout) {}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.config.Multiplexing;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.pool.BackendPools;
import io.mysqlproxy.core.stats.QueryStats;

import java.time.Duration;

/**
 * Everything a session needs from the proxy around it. The session hands each of its parts only
 * the narrow view that part uses ({@link SessionBackends}, {@link SessionRouting}, {@link SessionUsers}).
 */
public interface SessionServices extends SessionBackends, SessionRouting, SessionUsers {

    /** Every backend's pool, for the operators' views. */
    BackendPools pools();

    ProxyMetrics metrics();

    /** How long a session may be idle before it gives its backend connections back (zero: never). */
    Duration returnAfterIdle();

    /** Whether sessions give their connections back at every transaction boundary, or only when idle. */
    default Multiplexing multiplexing() {
        return Multiplexing.IDLE;
    }

    /**
     * Under transaction multiplexing, how many prepared statements each backend connection keeps for its
     * next borrowers (backends.pool.prepared-statement-cache); 0: none.
     */
    default int preparedStatementCache() {
        return 0;
    }

    /** What one session may keep (prepared statements, SET log), read as a session starts. */
    ProxyConfig.SessionLimits sessionLimits();

    /** The live sessions by connection id, for KILL and shutdown. */
    SessionRegistry sessions();

    /** Per-digest statement statistics (SHOW PROXY QUERIES, /queries). */
    QueryStats queryStats();
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.auth.ClientAuthentication;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.pool.BackendPools;
import io.mysqlproxy.core.route.ReplicaBalancer;
import io.mysqlproxy.core.route.Router;
import io.mysqlproxy.core.topology.Topology;

import java.time.Duration;

/**
 * What a session needs from the proxy around it: password checks, the backends, their pools, routing,
 * the other sessions.
 */
public interface SessionServices {

    /** A fresh password check against the configured users, for a client greeted with {@code nonce}. */
    ClientAuthentication authentication(byte[] nonce, String clientHost);

    Topology topology();

    /** Whether writes may go to the primary now (closed when the evidence about the primary conflicts). */
    io.mysqlproxy.core.topology.WriteGate writeGate();

    BackendPool pool(io.mysqlproxy.core.topology.Backend backend);

    /** Every backend's pool, for the operators' views. */
    BackendPools pools();

    Router router();

    ReplicaBalancer balancer();

    ProxyConfig.Routing routing();

    /** How long a session may be idle before it gives its backend connections back (zero: never). */
    Duration returnAfterIdle();

    io.mysqlproxy.core.metrics.ProxyMetrics metrics();

    /** The consistency a new session of {@code user} starts with. */
    Consistency consistencyOf(String user);

    /** Whether {@code user} may run the proxy's admin statements (its configured {@code admin}). */
    boolean isAdmin(String user);

    /** The live sessions by connection id, for KILL. */
    SessionRegistry sessions();
}

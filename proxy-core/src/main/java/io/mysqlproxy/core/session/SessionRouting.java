package io.mysqlproxy.core.session;

import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.health.PrimaryPositions;
import io.mysqlproxy.core.route.ReplicaBalancer;
import io.mysqlproxy.core.route.Router;

/**
 * What turns a command into a backend: the router, the replica balancer, the routing settings in force, and
 * the primary's position for global consistency.
 */
public interface SessionRouting {

    Router router();

    ReplicaBalancer balancer();

    ProxyConfig.Routing routing();

    /** The primary position lookups that global-consistency reads of all sessions share. */
    PrimaryPositions primaryPositions();
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.route.ReplicaBalancer;
import io.mysqlproxy.core.route.Router;

/** What turns a command into a backend: the router, the replica balancer and the routing settings in force. */
public interface SessionRouting {

    Router router();

    ReplicaBalancer balancer();

    ProxyConfig.Routing routing();
}

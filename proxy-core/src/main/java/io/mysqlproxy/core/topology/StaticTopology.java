package io.mysqlproxy.core.topology;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ProxyConfig;

import java.util.ArrayList;
import java.util.List;

/** The topology the configuration names: its primary and replicas, all up until checks say otherwise. */
public final class StaticTopology {

    private StaticTopology() {
    }

    public static Topology of(ProxyConfig.Backends backends) {
        Backend primary = new Backend(backends.primary(), BackendRole.PRIMARY, backends.primary().toString(), 1);
        List<Backend> replicas = new ArrayList<>();
        for (HostPort replica : backends.replicas()) {
            replicas.add(new Backend(replica, BackendRole.REPLICA, replica.toString(),
                    backends.weights().getOrDefault(replica, 1)));
        }
        return new Topology(primary, replicas);
    }
}

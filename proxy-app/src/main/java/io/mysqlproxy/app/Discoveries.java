package io.mysqlproxy.app;

import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.topology.Discovery;
import io.mysqlproxy.core.topology.StaticDiscovery;
import io.mysqlproxy.k8s.EndpointSliceDiscovery;

/** The {@link Discovery} that {@code discovery.mode} names; core knows only the static one. */
final class Discoveries {

    private Discoveries() {}

    static Discovery of(ProxyConfig config) {
        return switch (config.discovery().mode()) {
            case STATIC -> new StaticDiscovery(config.backends());
            case KUBERNETES -> EndpointSliceDiscovery.create(config.discovery().kubernetes());
        };
    }
}

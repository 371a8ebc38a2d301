package io.mysqlproxy.core.topology;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ProxyConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The backends the configuration names: reported once, at start, and never changed. */
public final class StaticDiscovery implements Discovery {

    private final DiscoveredBackends backends;

    public StaticDiscovery(ProxyConfig.Backends config) {
        List<DiscoveredBackends.Endpoint> endpoints = new ArrayList<>();
        endpoints.add(new DiscoveredBackends.Endpoint(config.primary(), null, BackendRole.PRIMARY, false));
        for (HostPort replica : config.replicas()) {
            endpoints.add(new DiscoveredBackends.Endpoint(replica, null, BackendRole.REPLICA, false));
        }
        this.backends = new DiscoveredBackends(endpoints);
    }

    @Override
    public void start(Consumer<DiscoveredBackends> listener) {
        listener.accept(backends);
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "static configuration";
    }
}

package io.mysqlproxy.core.topology;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ProxyConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The backends the configuration names: reported at start, and again when a reload changes them. */
public final class StaticDiscovery implements Discovery {

    private DiscoveredBackends backends;
    private Consumer<DiscoveredBackends> listener;

    public StaticDiscovery(ProxyConfig.Backends config) {
        this.backends = backendsOf(config);
    }

    private static DiscoveredBackends backendsOf(ProxyConfig.Backends config) {
        List<DiscoveredBackends.Endpoint> endpoints = new ArrayList<>();
        endpoints.add(new DiscoveredBackends.Endpoint(config.primary(), null, BackendRole.PRIMARY, false));
        for (HostPort replica : config.replicas()) {
            endpoints.add(new DiscoveredBackends.Endpoint(replica, null, BackendRole.REPLICA, false));
        }
        return new DiscoveredBackends(endpoints);
    }

    @Override
    public synchronized void start(Consumer<DiscoveredBackends> listener) {
        this.listener = listener;
        listener.accept(backends);
    }

    /** A configuration reload: reports the backends it names, if they changed. */
    public synchronized void reconfigure(ProxyConfig.Backends config) {
        DiscoveredBackends next = backendsOf(config);
        if (!next.equals(backends)) {
            backends = next;
            if (listener != null) {
                listener.accept(next);
            }
        }
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return "static configuration";
    }
}

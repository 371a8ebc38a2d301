package io.mysqlproxy.core.topology;

import io.mysqlproxy.core.config.HostPort;

import java.util.List;
import java.util.Objects;

/** Every backend a discovery knows of at one moment; immutable. */
public record DiscoveredBackends(List<Endpoint> endpoints) {

    public DiscoveredBackends {
        endpoints = List.copyOf(endpoints);
    }

    /**
     * One server as discovery sees it.
     *
     * @param address     where to connect
     * @param podName     the pod behind the address, or null when the source does not say
     * @param role        what the server is expected to be: from the pod's ordinal (0 is the primary)
     *                    or from the configuration
     * @param terminating the server is going away (its pod is being deleted): finish work there, start none
     */
    public record Endpoint(HostPort address, String podName, BackendRole role, boolean terminating) {

        public Endpoint {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(role, "role");
        }

        /** The operator-facing name: the pod's when known, else the address. */
        public String name() {
            return podName != null ? podName : address.toString();
        }
    }
}

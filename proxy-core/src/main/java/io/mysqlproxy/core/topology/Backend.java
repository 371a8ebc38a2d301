package io.mysqlproxy.core.topology;

import io.mysqlproxy.core.config.HostPort;

import java.util.Objects;

/**
 * Who a MySQL server is to the proxy: where it is, what it is for, and what operators call it.
 * A value: two equal backends are the same server in the same role, so pools, meters and health
 * checks keyed on it follow the server, not a particular object. A promotion changes the role and
 * so makes a new backend. How the server is doing lives in the {@link Topology} snapshot
 * ({@link BackendCondition}); how busy it is, with its pool.
 *
 * @param name a stable, operator-facing name: the pod name when known, else the address
 */
public record Backend(HostPort address, BackendRole role, String name) {

    public Backend {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(name, "name");
    }

    /** The pod behind this backend, or null when only its address is known (static configuration). */
    public String pod() {
        return name.equals(address.toString()) ? null : name;
    }

    @Override
    public String toString() {
        return role.label() + " " + name + (name.equals(address.toString()) ? "" : " (" + address + ")");
    }
}

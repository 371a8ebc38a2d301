package io.mysqlproxy.core.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An immutable view of the backends: one primary and any number of replicas. A new snapshot
 * replaces the old one atomically (see {@link TopologyHolder}); sessions read whichever one is
 * current, without locks.
 */
public record Topology(Backend primary, List<Backend> replicas) {

    public Topology {
        Objects.requireNonNull(primary, "primary");
        replicas = List.copyOf(replicas);
    }

    /** Every backend, the primary first. */
    public List<Backend> all() {
        List<Backend> all = new ArrayList<>(replicas.size() + 1);
        all.add(primary);
        all.addAll(replicas);
        return all;
    }
}

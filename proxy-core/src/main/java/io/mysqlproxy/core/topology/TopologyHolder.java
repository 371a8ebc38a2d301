package io.mysqlproxy.core.topology;

import java.util.concurrent.atomic.AtomicReference;

/** The current {@link Topology}: swapped whole by health checks and discovery, read lock-free. */
public final class TopologyHolder {

    private final AtomicReference<Topology> current;

    public TopologyHolder(Topology initial) {
        this.current = new AtomicReference<>(initial);
    }

    public Topology current() {
        return current.get();
    }

    public void replace(Topology next) {
        current.set(next);
    }
}

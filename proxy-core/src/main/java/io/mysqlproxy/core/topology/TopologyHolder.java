package io.mysqlproxy.core.topology;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The current {@link Topology}: swapped whole by health checks, discovery and reloads, read
 * lock-free. Writers compare and set, so that one never overwrites what another published
 * meanwhile (a health result must not undo a drain that discovery started).
 */
public final class TopologyHolder {

    private final AtomicReference<Topology> current;

    public TopologyHolder(Topology initial) {
        this.current = new AtomicReference<>(initial);
    }

    public Topology current() {
        return current.get();
    }

    /** Publishes {@code next} only if {@code expected} is still current; returns whether it did. */
    public boolean compareAndSet(Topology expected, Topology next) {
        return current.compareAndSet(expected, next);
    }
}

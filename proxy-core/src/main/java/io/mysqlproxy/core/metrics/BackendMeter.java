package io.mysqlproxy.core.metrics;

import io.mysqlproxy.core.topology.Backend;

import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A meter every backend gets, read from a component the metrics do not know (the pools, for one):
 * the composition root lists them, {@link ProxyMetrics} registers one per backend, with the
 * backend's tags, when the backend joins and removes it when it leaves.
 *
 * @param value read at scrape time, off the event loops; it must not block
 */
public record BackendMeter(String name, String description, Kind kind, ToDoubleFunction<Backend> value) {

    /** How the value behaves: a level that goes up and down, or a count that only grows. */
    public enum Kind {
        GAUGE,
        COUNTER
    }

    public BackendMeter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
    }

    public static BackendMeter gauge(String name, String description, ToDoubleFunction<Backend> value) {
        return new BackendMeter(name, description, Kind.GAUGE, value);
    }

    public static BackendMeter counter(String name, String description, ToDoubleFunction<Backend> value) {
        return new BackendMeter(name, description, Kind.COUNTER, value);
    }
}

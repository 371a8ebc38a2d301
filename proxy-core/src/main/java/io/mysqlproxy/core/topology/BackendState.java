package io.mysqlproxy.core.topology;

/** Whether a backend may take new work. Only UP replicas serve reads. */
public enum BackendState {
    /** Healthy and, for a replica, within the allowed lag. */
    UP,
    /** A replica behind by more than the allowed lag: no reads until it catches up. */
    LAGGING,
    /** Failing checks or unreachable. */
    DOWN,
    /** Leaving (a terminating pod, a removed address): in-flight work finishes, new work goes elsewhere. */
    DRAINING;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

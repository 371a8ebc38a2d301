package io.mysqlproxy.core.topology;

import java.util.Objects;

/**
 * How a backend is doing in one {@link Topology} snapshot. Changing it means publishing a new
 * snapshot, so a reader sees state, lag and weight from the same moment.
 *
 * @param lagSeconds  replication lag at the last health check; -1 when unknown (or the primary)
 * @param writability what {@code read_only} said at the last health check
 * @param weight      the replica's share under the weighted balancer
 */
public record BackendCondition(BackendState state, long lagSeconds, Writability writability, int weight) {

    public BackendCondition {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(writability, "writability");
    }

    /** A backend that just joined: up until a check says otherwise, nothing measured yet. */
    public static BackendCondition initial(int weight) {
        return new BackendCondition(BackendState.UP, -1, Writability.UNKNOWN, weight);
    }

    /** Whether new work may go here. */
    public boolean usable() {
        return state == BackendState.UP;
    }

    public BackendCondition withState(BackendState next) {
        return new BackendCondition(next, lagSeconds, writability, weight);
    }

    public BackendCondition withWeight(int next) {
        return new BackendCondition(state, lagSeconds, writability, next);
    }
}

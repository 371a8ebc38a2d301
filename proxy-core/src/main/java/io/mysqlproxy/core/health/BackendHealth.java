package io.mysqlproxy.core.health;

import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendCondition;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.TopologyHolder;

/**
 * The hysteresis between check results and a backend's state: a failure counts only after
 * {@code ejectAfter} in a row, a lagging replica is taken out at once, and an ejected backend
 * comes back only after {@code readmitAfter} good checks in a row, except the primary, which comes back on
 * its first good check: every write waits for it (see {@code PrimaryOutageBuffer}), and nothing else can
 * take its place, so flapping costs less than a late return. Used by one monitor thread at
 * a time per backend; publishes through {@link TopologyHolder#compareAndSet}, so a drain that
 * discovery publishes meanwhile is never undone.
 */
final class BackendHealth {

    /** A state change, to be logged and counted once. */
    record Transition(Backend backend, BackendState from, BackendState to, String reason) {}

    private final Backend backend;
    private final TopologyHolder topology;
    private final int ejectAfter;
    private final int readmitAfter;
    private int failures;
    private int successes;

    BackendHealth(Backend backend, TopologyHolder topology, int ejectAfter, int readmitAfter) {
        this.backend = backend;
        this.topology = topology;
        this.ejectAfter = ejectAfter;
        this.readmitAfter = readmitAfter;
    }

    /**
     * Applies one check's result: publishes the lag and writability it read and the state it
     * leads to. Returns the transition it caused, or null.
     */
    Transition apply(CheckResult result) {
        return apply(topology.current(), result);
    }

    /** {@link #apply(CheckResult)}, judged on {@code seen}: tests publish something else before it lands. */
    Transition apply(Topology seen, CheckResult result) {
        BackendCondition condition = seen.condition(backend);
        if (condition == null || condition.state() == BackendState.DRAINING) {
            return null;
        }
        BackendState from = condition.state();
        Verdict verdict = judge(from, result);
        while (true) {
            Topology current = topology.current();
            BackendCondition now = current.condition(backend);
            if (now == null || now.state() == BackendState.DRAINING) {
                return null;
            }
            // Moves only from the state judged: if something else changed it meanwhile, that change stands.
            boolean moves = verdict != null && now.state() == from;
            BackendCondition next = new BackendCondition(
                    moves ? verdict.to : now.state(), result.lagSeconds(), result.writability(), now.weight());
            if (topology.compareAndSet(current, current.with(backend, next))) {
                return moves ? new Transition(backend, from, verdict.to, verdict.reason) : null;
            }
        }
    }

    /** Where {@code result} takes a backend that is {@code current}, or null to stay; counts the streaks. */
    private Verdict judge(BackendState current, CheckResult result) {
        switch (result.outcome()) {
            case HEALTHY -> {
                failures = 0;
                if (current == BackendState.UP) {
                    return null;
                }
                if (backend.role() == BackendRole.PRIMARY) {
                    successes = 0;
                    return new Verdict(BackendState.UP, "the primary answered a check");
                }
                if (++successes >= readmitAfter) {
                    successes = 0;
                    return new Verdict(BackendState.UP, "healthy for " + readmitAfter + " checks in a row");
                }
                return null;
            }
            case LAGGING -> {
                successes = 0;
                failures = 0;
                return current == BackendState.LAGGING ? null : new Verdict(BackendState.LAGGING, result.reason());
            }
            default -> {
                successes = 0;
                if (current == BackendState.DOWN) {
                    return null;
                }
                if (++failures >= ejectAfter) {
                    failures = 0;
                    return new Verdict(BackendState.DOWN, result.reason());
                }
                return null;
            }
        }
    }

    private record Verdict(BackendState to, String reason) {}
}

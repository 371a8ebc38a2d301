package io.mysqlproxy.core.health;

import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendState;

/**
 * The hysteresis between check results and a backend's state: a failure counts only after
 * {@code ejectAfter} in a row, a lagging replica is taken out at once, and an ejected backend
 * comes back only after {@code readmitAfter} good checks in a row. Used by one monitor thread at
 * a time per backend.
 */
final class BackendHealth {

    /** A state change, to be logged and counted once. */
    record Transition(Backend backend, BackendState from, BackendState to, String reason) {
    }

    private final Backend backend;
    private final int ejectAfter;
    private final int readmitAfter;
    private int failures;
    private int successes;

    BackendHealth(Backend backend, int ejectAfter, int readmitAfter) {
        this.backend = backend;
        this.ejectAfter = ejectAfter;
        this.readmitAfter = readmitAfter;
    }

    /** Applies one check's result; returns the transition it caused, or null. */
    Transition apply(CheckResult result) {
        BackendState current = backend.state();
        if (current == BackendState.DRAINING) {
            return null;
        }
        backend.lagSeconds(result.lagSeconds());
        backend.writability(result.writability());
        switch (result.outcome()) {
            case HEALTHY -> {
                failures = 0;
                if (current == BackendState.UP) {
                    return null;
                }
                if (++successes >= readmitAfter) {
                    successes = 0;
                    return move(current, BackendState.UP, "healthy for " + readmitAfter + " checks in a row");
                }
                return null;
            }
            case LAGGING -> {
                successes = 0;
                failures = 0;
                return current == BackendState.LAGGING ? null : move(current, BackendState.LAGGING, result.reason());
            }
            default -> {
                successes = 0;
                if (current == BackendState.DOWN) {
                    return null;
                }
                if (++failures >= ejectAfter) {
                    failures = 0;
                    return move(current, BackendState.DOWN, result.reason());
                }
                return null;
            }
        }
    }

    /** Null when the state changed meanwhile (discovery drained the backend): that change stands. */
    private Transition move(BackendState from, BackendState to, String reason) {
        return backend.transition(from, to) ? new Transition(backend, from, to, reason) : null;
    }
}

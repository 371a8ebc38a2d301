package io.mysqlproxy.core.health;

import io.mysqlproxy.core.topology.Writability;

/**
 * What one health check found: healthy, a replica behind by more than the allowed lag, or failed
 * (unreachable, not answering in time, broken replication); and, whatever the outcome, what
 * {@code read_only} said when the server answered that far. {@code lagSeconds} is -1 when unknown
 * (the primary, or a failed check).
 */
record CheckResult(Outcome outcome, long lagSeconds, String reason, Writability writability) {

    enum Outcome {
        HEALTHY,
        LAGGING,
        FAILED
    }

    static CheckResult healthy(long lagSeconds, Writability writability) {
        return new CheckResult(Outcome.HEALTHY, lagSeconds, "healthy", writability);
    }

    static CheckResult lagging(long lagSeconds, long maxSeconds, Writability writability) {
        return new CheckResult(
                Outcome.LAGGING,
                lagSeconds,
                "replication lag " + lagSeconds + " s is over the limit of " + maxSeconds + " s",
                writability);
    }

    static CheckResult failed(String reason, Writability writability) {
        return new CheckResult(Outcome.FAILED, -1, reason, writability);
    }

    /** The server could not be reached or did not answer: nothing is known of it. */
    static CheckResult unreachable(String reason) {
        return failed(reason, Writability.UNKNOWN);
    }
}

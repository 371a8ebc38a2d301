package io.mysqlproxy.core.health;

/**
 * What one health check found: healthy, a replica behind by more than the allowed lag, or failed
 * (unreachable, not answering in time, broken replication, a primary that is read-only). {@code lagSeconds}
 * is -1 when unknown (the primary, or a failed check).
 */
record CheckResult(Outcome outcome, long lagSeconds, String reason) {

    enum Outcome { HEALTHY, LAGGING, FAILED }

    static CheckResult healthy(long lagSeconds) {
        return new CheckResult(Outcome.HEALTHY, lagSeconds, "healthy");
    }

    static CheckResult lagging(long lagSeconds, long maxSeconds) {
        return new CheckResult(Outcome.LAGGING, lagSeconds,
                "replication lag " + lagSeconds + " s is over the limit of " + maxSeconds + " s");
    }

    static CheckResult failed(String reason) {
        return new CheckResult(Outcome.FAILED, -1, reason);
    }
}

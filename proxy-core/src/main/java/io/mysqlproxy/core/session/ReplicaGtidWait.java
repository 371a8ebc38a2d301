package io.mysqlproxy.core.session;

import java.time.Duration;

/**
 * Has a replica leg wait until it has applied a GTID position (the session's last write under session
 * consistency, the primary's position under global consistency), with {@code MASTER_GTID_WAIT} /
 * {@code WAIT_FOR_EXECUTED_GTID_SET} bounded by the consistency wait timeout. The leg remembers the
 * last position it was seen to have, so asking again for that one costs no query.
 */
final class ReplicaGtidWait {

    private ReplicaGtidWait() {}

    /**
     * Tells {@code outcome} whether {@code replica} has {@code position} (empty: nothing to wait for), within
     * {@code timeout}. Returns whether a wait query went to the replica (false: it was known to be there).
     */
    static boolean await(Leg replica, String position, Duration timeout, ReadYourWrites.Outcome outcome) {
        if (position == null || position.isEmpty() || position.equals(replica.appliedGtid())) {
            outcome.applied();
            return false;
        }
        GtidDialect dialect = GtidDialect.of(replica.connection().greeting().serverVersion());
        replica.queryValue(dialect.waitQuery(position, timeout.toMillis()), (ok, value) -> {
            String result = ok ? value : null;
            if (result != null && dialect.applied(result)) {
                replica.appliedGtid(position);
                outcome.applied();
            } else {
                outcome.notApplied(
                        result == null
                                ? "the replica could not wait for GTID " + position
                                : "the replica had not applied GTID " + position + " within " + timeout.toMillis()
                                        + " ms");
            }
        });
        return true;
    }
}

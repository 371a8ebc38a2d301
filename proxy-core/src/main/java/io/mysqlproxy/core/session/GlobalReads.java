package io.mysqlproxy.core.session;

import io.mysqlproxy.core.health.PrimaryPositions;
import io.mysqlproxy.core.metrics.ConsistencyMeters;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Global consistency for one session: before a read goes to a replica, the primary's GTID position
 * as of the read's arrival is learned from a lookup shared with every other session's reads
 * ({@link PrimaryPositions}, which never serves a read from a lookup that started before it), then
 * the replica waits for it as under session consistency ({@link ReplicaGtidWait}). Both steps are
 * bounded by {@code routing.consistency-wait-timeout} in force.
 */
final class GlobalReads {

    /** How a check ends. */
    interface Outcome extends ReadYourWrites.Outcome {
        /** The primary's position could not be learned in time: read on the primary, the replica is not to blame. */
        void positionUnknown(String reason);
    }

    private final PrimaryPositions positions;
    private final Supplier<Duration> waitTimeout;
    private final ConsistencyMeters meters;

    GlobalReads(PrimaryPositions positions, Supplier<Duration> waitTimeout, ConsistencyMeters meters) {
        this.positions = positions;
        this.waitTimeout = waitTimeout;
        this.meters = meters;
    }

    /** Learns the primary's position now, then waits for it on {@code replica}; {@code outcome} runs on {@code loop}. */
    void check(Leg replica, EventExecutor loop, Outcome outcome) {
        Duration timeout = waitTimeout.get();
        Future<String> position = positions.after(loop, timeout);
        position.addListener(done -> {
            if (!position.isSuccess()) {
                meters.fellBack();
                outcome.positionUnknown(reason(position.cause()));
                return;
            }
            boolean waited = ReplicaGtidWait.await(replica, position.getNow(), timeout, new ReadYourWrites.Outcome() {
                @Override
                public void applied() {
                    outcome.applied();
                }

                @Override
                public void notApplied(String reason) {
                    meters.fellBack();
                    outcome.notApplied(reason);
                }
            });
            if (waited) {
                meters.waited();
            }
        });
    }

    private static String reason(Throwable cause) {
        return cause instanceof TimeoutException
                ? cause.getMessage()
                : "could not read the primary's GTID position: " + cause;
    }
}

package io.mysqlproxy.core.session;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Session consistency: after the session writes on the primary, its next read may go to a
 * replica only once that replica has applied the write. The position of the write is asked of
 * the primary lazily, when a read is about to go to a replica (so a session that only writes
 * pays nothing), and each replica leg remembers the last position it was seen to have, so later
 * reads there need no wait until the session writes again.
 */
final class ReadYourWrites {

    /** How a check ends. */
    interface Outcome {
        /** The replica has the session's writes (or there were none): read there. */
        void applied();

        /** The replica did not catch up in time, or could not be asked: read on the primary. */
        void notApplied(String reason);
    }

    private final Duration waitTimeout;
    /** The primary leg whose writes' position has not been read yet, or null: only it knows the position. */
    private Leg writtenOn;

    private String lastWrite;
    /** The primary leg the position is being read from, or null. */
    private Leg reading;

    ReadYourWrites(Duration waitTimeout) {
        this.waitTimeout = waitTimeout;
    }

    /** The session ran something on {@code primary} that may have written. */
    void wrote(Leg primary) {
        writtenOn = primary;
    }

    /** Whether the session has written (since its last reset): only then do its reads need checks. */
    boolean hasWritten() {
        return writtenOn != null || (lastWrite != null && !lastWrite.isEmpty());
    }

    /** Whether a read on a replica must be checked first. */
    boolean mustCheck(Leg replica) {
        return writtenOn != null
                || (lastWrite != null && !lastWrite.isEmpty() && !lastWrite.equals(replica.appliedGtid()));
    }

    /** Forgets all positions (COM_RESET_CONNECTION, COM_CHANGE_USER). */
    void reset() {
        writtenOn = null;
        lastWrite = null;
    }

    /** Learns the write position from {@code primary} if needed, then waits for it on {@code replica}. */
    void check(Leg primary, Leg replica, Outcome outcome) {
        if (writtenOn == null) {
            waitOn(replica, outcome);
            return;
        }
        if (primary != writtenOn) {
            // Another connection's @@last_gtid says nothing of this session's writes.
            outcome.notApplied("the primary connection that wrote is gone");
            return;
        }
        learn(primary, learned -> {
            if (learned) {
                waitOn(replica, outcome);
            } else {
                outcome.notApplied("could not read the primary's GTID position");
            }
        });
    }

    /** Whether the position of the session's writes is being read from {@code leg} now (its answer is awaited). */
    boolean readingPositionFrom(Leg leg) {
        return reading == leg;
    }

    /** Whether the position of the session's writes is still to be read from {@code primary}, which made them. */
    boolean positionPendingOn(Leg primary) {
        return writtenOn == primary;
    }

    /**
     * Reads the position of the session's writes from {@code primary}, the connection that made
     * them (MariaDB's {@code @@last_gtid} is per connection), then tells {@code then} whether it could.
     */
    void learn(Leg primary, Consumer<Boolean> then) {
        GtidDialect dialect = GtidDialect.of(primary.connection().greeting().serverVersion());
        reading = primary;
        primary.queryValue(dialect.positionQuery(), (ok, position) -> {
            reading = null;
            if (ok) {
                writtenOn = null;
                lastWrite = position == null ? "" : position;
            }
            then.accept(ok);
        });
    }

    private void waitOn(Leg replica, Outcome outcome) {
        ReplicaGtidWait.await(replica, lastWrite, waitTimeout, outcome);
    }
}

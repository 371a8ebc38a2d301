package io.mysqlproxy.core.session;

import io.mysqlproxy.core.config.Consistency;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Gives an idle session's backend connections back to their pools, so that thousands of idle
 * clients hold few backend connections. The caller has checked that nothing lives only in the
 * session's connections ({@link SessionTracker#mayReturnLegs}); a leg that still holds a prepared
 * statement's open cursor or long data stays. What the next connection cannot learn from the
 * session's state is read from the primary leg first, if a write ran there: LAST_INSERT_ID()
 * (replayed as {@code SET last_insert_id}) and, under session consistency, the GTID position of
 * the writes. Schema, character set, SETs and prepared statements reach the next connection the
 * usual lazy way ({@link LegSync}, re-prepare on first use).
 */
final class IdleLegReturn {

    private static final Logger log = LoggerFactory.getLogger(IdleLegReturn.class);
    private static final String LAST_INSERT_ID = "SELECT LAST_INSERT_ID()";
    /** A server that answers neither query within this long loses the connection, not the session. */
    private static final long STEP_TIMEOUT_SECONDS = 10;

    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final PreparedStatements statements;
    /**
     * Transaction multiplexing: LAST_INSERT_ID() is known from the OK packets, so the primary leg is read
     * only after a LAST_INSERT_ID(expr); the value goes to {@link SessionState#insertId}, not the replay log.
     */
    private final boolean multiplexing;

    private final Runnable done;
    /** The primary leg being read before it goes back; null once it has. */
    private Leg primary;

    private ScheduledFuture<?> timeout;

    IdleLegReturn(
            SessionLegs legs,
            SessionTracker tracker,
            PreparedStatements statements,
            boolean multiplexing,
            Runnable done) {
        this.legs = legs;
        this.multiplexing = multiplexing;
        this.tracker = tracker;
        this.statements = statements;
        this.done = done;
    }

    /** Gives back what can go now; true while the primary leg is still being read ({@code done} follows). */
    boolean start() {
        for (Leg replica : legs.replicaLegs()) {
            if (!statements.heldOn(replica)) {
                legs.giveBack(replica);
            }
        }
        Leg leg = legs.primary();
        if (leg == null || statements.heldOn(leg)) {
            return false;
        }
        boolean readId = multiplexing ? leg.insertIdUnknown() : leg.wrote();
        if (!readId && !(multiplexing && learnsPosition(leg))) {
            legs.giveBack(leg);
            return false;
        }
        primary = leg;
        timeout =
                leg.connection().channel().eventLoop().schedule(this::timedOut, STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (readId) {
            readLastInsertId();
        } else {
            learnPositionThenGiveBack(leg);
        }
        return true;
    }

    /** Whether this is waiting on {@code leg}. */
    boolean waitsOn(Leg leg) {
        return primary == leg;
    }

    /** The leg failed: {@code done} will not come; nothing more happens. */
    void abandon() {
        primary = null;
        timeout.cancel(false);
    }

    private void timedOut() {
        Leg leg = primary;
        if (leg == null) {
            return;
        }
        log.warn(
                "{} did not answer within {} s while its idle session gave it back; closing it",
                leg,
                STEP_TIMEOUT_SECONDS);
        legs.drop(leg);
        leg.discard();
        finish();
    }

    private void readLastInsertId() {
        Leg leg = primary;
        leg.queryValue(LAST_INSERT_ID, (ok, value) -> {
            if (primary != leg) {
                return;
            }
            Long id = ok ? parse(value) : null;
            if (id != null && multiplexing) {
                leg.insertId(id);
                tracker.state().insertId(id);
            } else if (id == null || !tracker.state().lastInsertId(id)) {
                log.debug(
                        "{} stays with its idle session: LAST_INSERT_ID() {}",
                        leg,
                        id == null ? "could not be read" : "does not fit the session's replay log");
                finish();
                return;
            }
            learnPositionThenGiveBack(leg);
        });
    }

    /**
     * Whether the write position is read from {@code leg} before it goes. When idle: whenever it is pending,
     * as the session may switch to session consistency later. At every transaction boundary that round trip
     * is paid only under session consistency; a later switch to it then reads its first reads from the primary.
     */
    private boolean learnsPosition(Leg leg) {
        return tracker.readYourWrites().positionPendingOn(leg)
                && (!multiplexing || tracker.consistency() == Consistency.SESSION);
    }

    private void learnPositionThenGiveBack(Leg leg) {
        if (learnsPosition(leg)) {
            // Only this connection knows the position (MariaDB's @@last_gtid), whatever the
            // consistency is now: the session may switch to session consistency later.
            tracker.readYourWrites().learn(leg, learned -> {
                if (learned) {
                    giveBackPrimary();
                } else {
                    log.debug("{} stays with its idle session: its writes' position could not be read", leg);
                    finish();
                }
            });
        } else {
            giveBackPrimary();
        }
    }

    private static Long parse(String value) {
        try {
            return value == null ? null : Long.parseUnsignedLong(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void giveBackPrimary() {
        if (primary != null) {
            legs.giveBack(primary);
            finish();
        }
    }

    private void finish() {
        if (primary == null) {
            return;
        }
        primary = null;
        timeout.cancel(false);
        done.run();
    }
}

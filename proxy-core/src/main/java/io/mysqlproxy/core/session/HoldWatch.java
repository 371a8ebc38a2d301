package io.mysqlproxy.core.session;

import io.mysqlproxy.core.metrics.SessionMeters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * What keeps one session on its backend connections, as the pin metrics count it: after each command
 * (and after a reset or a change of user) the session's holds are compared with the previous ones as a
 * bit set by {@link HoldReason} ordinal; each reason gained counts once in {@code
 * mysqlproxy_session_pins_total} and joins the gauge of sessions pinned by it, each reason lost leaves the
 * gauge, and the session's end leaves it for all. A reason is logged once per session, at DEBUG, with its
 * cause. A session with nothing held (the common case) costs two boolean checks and no allocation.
 */
final class HoldWatch {

    private static final Logger log = LoggerFactory.getLogger(HoldWatch.class);
    private static final HoldReason[] REASONS = HoldReason.values();

    private final SessionTracker tracker;
    private final PreparedStatements statements;
    private final SessionMeters meters;
    private final SessionIdentity identity;
    /** The reasons held after the last check, and those logged so far. */
    private long held;

    private long logged;
    private boolean ended;

    HoldWatch(SessionTracker tracker, PreparedStatements statements, SessionMeters meters, SessionIdentity identity) {
        this.tracker = tracker;
        this.statements = statements;
        this.meters = meters;
        this.identity = identity;
    }

    /** Every reason a session may be held for, by label, so their series exist at 0 before the first pin. */
    static List<String> labels() {
        List<String> labels = new ArrayList<>(REASONS.length);
        for (HoldReason reason : REASONS) {
            labels.add(reason.label());
        }
        return labels;
    }

    /** What keeps the session on its connections now: the tracker's holds, then its prepared statements'. */
    List<Hold> holds() {
        List<Hold> holds = new ArrayList<>(tracker.holds());
        statements.addHolds(holds);
        return holds;
    }

    /** Compares the session's holds with the last check's: counts the reasons gained, and those lost. */
    void check() {
        if (ended || held == 0 && tracker.mayReturnLegs() && !statements.holdAny()) {
            return;
        }
        List<Hold> holds = holds();
        long now = 0;
        for (Hold hold : holds) {
            now |= 1L << hold.reason().ordinal();
        }
        if (now == held) {
            return;
        }
        long gained = now & ~held;
        for (Hold hold : holds) {
            long bit = 1L << hold.reason().ordinal();
            if ((gained & bit) != 0) {
                meters.gained(hold.reason().label());
                if ((logged & bit) == 0) {
                    logged |= bit;
                    log.debug(
                            "{}: held on its backend connections: {} (caused by {})",
                            identity.logPrefix(),
                            hold.reason().label(),
                            hold.cause());
                }
            }
        }
        release(held & ~now);
        held = now;
    }

    /** The session ended: it no longer counts as held for anything. */
    void ended() {
        ended = true;
        release(held);
        held = 0;
    }

    private void release(long lost) {
        for (long bits = lost; bits != 0; bits &= bits - 1) {
            meters.released(REASONS[Long.numberOfTrailingZeros(bits)].label());
        }
    }
}

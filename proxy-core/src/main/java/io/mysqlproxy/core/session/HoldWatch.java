package io.mysqlproxy.core.session;

import io.mysqlproxy.core.metrics.SessionMeters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * What keeps one session on its backend connections, as the pin metrics count it: whenever a command is
 * over (answered by a server or by the proxy, or sent expecting no answer), an idle leg failed, the
 * connection was reset or the user changed, the session's holds are compared with the previous ones as a
 * bit set by {@link HoldReason} ordinal; each reason gained counts once in {@code
 * mysqlproxy_session_pins_total} and joins the gauge of sessions pinned by it, each reason lost leaves the
 * gauge, and the session's end leaves it for all. A reason is logged once per session (per user, after a
 * change of user), at DEBUG, with its cause. A check that finds the holds unchanged allocates nothing.
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

    /** What keeps the session on its connections now, in {@link HoldReason} order, each with its cause. */
    List<Hold> holds() {
        List<Hold> holds = new ArrayList<>();
        for (long bits = heldNow(); bits != 0; bits &= bits - 1) {
            HoldReason reason = REASONS[Long.numberOfTrailingZeros(bits)];
            holds.add(new Hold(reason, tracker.holdCause(reason)));
        }
        return holds;
    }

    /** Compares the session's holds with the last check's: counts the reasons gained, and those lost. */
    void check() {
        if (ended) {
            return;
        }
        long now = heldNow();
        if (now == held) {
            return;
        }
        for (long gained = now & ~held; gained != 0; gained &= gained - 1) {
            HoldReason reason = REASONS[Long.numberOfTrailingZeros(gained)];
            meters.gained(reason.label());
            if ((logged & reason.bit()) == 0) {
                logged |= reason.bit();
                log.debug(
                        "{}: held on its backend connections: {} (caused by {})",
                        identity.logPrefix(),
                        reason.label(),
                        tracker.holdCause(reason));
            }
        }
        release(held & ~now);
        held = now;
    }

    /** The user changed: the new user's session logs each reason again the first time. */
    void userChanged() {
        logged = 0;
        check();
    }

    /** The session ended: it no longer counts as held for anything. */
    void ended() {
        ended = true;
        release(held);
        held = 0;
    }

    private long heldNow() {
        return tracker.holdBits() | statements.holdBits();
    }

    private void release(long lost) {
        for (long bits = lost; bits != 0; bits &= bits - 1) {
            meters.released(REASONS[Long.numberOfTrailingZeros(bits)].label());
        }
    }
}

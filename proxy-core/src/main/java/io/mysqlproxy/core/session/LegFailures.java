package io.mysqlproxy.core.session;

import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.topology.BackendRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * What a session does when one of its backend connections fails. A replica lost before a read was
 * sent, or while it answered a retryable read the client has seen nothing of, is replaced unseen (the
 * read goes where the router sends it). A leg lost mid-command ends the session with error 1158
 * (08S01), as a dead server would; one lost while it held the session's transaction, locks or
 * temporary tables ends the session too, with the same error sent at once (counted as a lost
 * transaction), since that state is gone. A transaction start lost before its answer is sent again
 * like a read: nothing had begun. Any other leg is just forgotten:
 * the next command borrows a new connection. A leg lost while the idle session is about to reach its
 * own wait_timeout was most likely closed by its server for the same wait_timeout, replayed there and
 * counted from a moment earlier: the session then ends as its wait_timeout ends it, not with 1158.
 * A leg whose server answered a command before all of it arrived is out of step with it and is
 * closed the same way ({@link #outOfStep}).
 */
final class LegFailures {

    private static final Logger log = LoggerFactory.getLogger(LegFailures.class);
    /**
     * How close to its wait_timeout an idle session must be for a lost leg to count as closed by the
     * same wait_timeout: more than the time between the server's end of the last answer and the
     * proxy's, even on a loaded machine.
     */
    private static final long WAIT_TIMEOUT_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final CommandContext session;
    private final SessionKill.Target self;
    private final SessionLegs legs;
    private final SessionTracker tracker;
    private final LegDispatch dispatch;
    private final ClientSequence sequence;
    private final SessionIdleTimer idle;
    private final ProxyMetrics metrics;

    LegFailures(
            CommandContext session,
            SessionKill.Target self,
            SessionLegs legs,
            SessionTracker tracker,
            LegDispatch dispatch,
            ClientSequence sequence,
            SessionIdleTimer idle,
            ProxyMetrics metrics) {
        this.session = session;
        this.self = self;
        this.legs = legs;
        this.tracker = tracker;
        this.dispatch = dispatch;
        this.sequence = sequence;
        this.idle = idle;
        this.metrics = metrics;
    }

    void legFailed(Leg leg, String reason) {
        if (self.closing()) {
            return;
        }
        SessionInfo info = session.info();
        Command cmd = self.current();
        boolean inUse = cmd != null && cmd.uses(leg);
        // A read-your-writes read waiting for its writes' position from this (primary) leg: that answer is lost.
        boolean positionLost =
                cmd != null && !cmd.sent() && tracker.readYourWrites().readingPositionFrom(leg);
        boolean heldState = tracker.holdsState(leg);
        legs.drop(leg);
        if (positionLost) {
            log.warn(
                    "[conn {}] {}: {} failed while the session's write position was read from it ({}); "
                            + "reading from the primary",
                    info.connectionId(),
                    info.remote(),
                    leg,
                    reason);
            dispatch.positionLost(cmd);
            return;
        }
        if (inUse && !cmd.sent() && leg.backend().role() == BackendRole.REPLICA) {
            log.warn(
                    "[conn {}] {}: {} failed before the read was sent ({}); using the primary",
                    info.connectionId(),
                    info.remote(),
                    leg,
                    reason);
            dispatch.replicaUnavailable(cmd);
            return;
        }
        if (inUse
                && cmd.leg() == leg
                && !heldState
                && cmd.retryable()
                && !sequence.hasResponded()
                && !session.awaitingClientFrames()) {
            log.warn(
                    "[conn {}] {}: {} failed before answering a statement that may be sent again ({}); sending it again",
                    info.connectionId(),
                    info.remote(),
                    leg,
                    reason);
            dispatch.retry(cmd);
            return;
        }
        if (inUse || session.awaitingClientFrames()) {
            log.warn("[conn {}] {}: {} failed during a command: {}", info.connectionId(), info.remote(), leg, reason);
            if (heldState) {
                metrics.outages().transactionLost();
            }
            session.abort(ProxyErrors.backendLost(leg.connection().address(), reason), reason);
        } else if (cmd == null && idle.expiresWithin(WAIT_TIMEOUT_MARGIN_NANOS)) {
            log.debug(
                    "[conn {}] {}: {} closed as the session's wait_timeout runs out ({})",
                    info.connectionId(),
                    info.remote(),
                    leg,
                    reason);
            if (heldState) {
                // Its transaction or locks are gone with it: the session ends now, as it would in a moment.
                idle.expireNow();
                return;
            }
        } else if (heldState) {
            log.warn(
                    "[conn {}] {}: {} closed holding the session's transaction, locks or temporary tables: {}",
                    info.connectionId(),
                    info.remote(),
                    leg,
                    reason);
            metrics.outages().transactionLost();
            // Told now, as a server going away tells an idle client: its next read finds the error, not a bare close.
            sequence.idle();
            session.abort(ProxyErrors.backendLost(leg.connection().address(), reason), reason);
        } else {
            log.info(
                    "[conn {}] {}: {} closed while idle ({}); the session continues on a new connection",
                    info.connectionId(),
                    info.remote(),
                    leg,
                    reason);
        }
        idle.legFailed(leg);
    }

    /**
     * The server answered a command before all of it went out, so it would take the rest for commands of
     * their own ("Got packets out of order"): the connection is closed rather than used again. The session
     * goes on, unless the connection held its transaction, locks or temporary tables.
     */
    void outOfStep(Leg leg) {
        boolean heldState = tracker.holdsState(leg);
        legs.drop(leg);
        leg.discard();
        SessionInfo info = session.info();
        log.warn(
                "[conn {}] {}: {} answered before the command's last packet reached it; closing that connection",
                info.connectionId(),
                info.remote(),
                leg);
        if (heldState) {
            self.closeSession();
        }
    }
}

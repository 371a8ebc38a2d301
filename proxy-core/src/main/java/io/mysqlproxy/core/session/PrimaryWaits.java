package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.ErrorLogText;
import io.mysqlproxy.core.pool.PrimaryOutageBuffer;
import io.mysqlproxy.protocol.packet.ErrPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command that needs the primary while it is away (unreachable, or writes refused) waits for it in the
 * proxy's {@link PrimaryOutageBuffer} if the session is at a transaction boundary, and is dispatched again
 * each time the primary may be back. Inside a transaction nothing is waited for: that transaction is gone
 * with its connection. When the buffer is off or full, or its time runs out, the command gets the error it
 * found.
 */
final class PrimaryWaits {

    private static final Logger log = LoggerFactory.getLogger(PrimaryWaits.class);

    /** Sends a command again, as first decided, once the primary may be back. */
    interface Redispatch {
        void redispatch(Command cmd);
    }

    private final CommandContext session;
    private final SessionTracker tracker;
    private final PrimaryOutageBuffer buffer;
    private final Redispatch redispatch;
    /** The error the waiting command found last, which it fails with if its time runs out (one command at a time). */
    private ErrPacket lastError;

    PrimaryWaits(CommandContext session, SessionTracker tracker, PrimaryOutageBuffer buffer, Redispatch redispatch) {
        this.session = session;
        this.tracker = tracker;
        this.buffer = buffer;
        this.redispatch = redispatch;
    }

    /** {@code cmd} found the primary away, with {@code error}: it waits, or fails with that error. */
    void await(Command cmd, ErrPacket error) {
        lastError = error;
        PrimaryOutageBuffer.Wait wait = cmd.primaryWait();
        if (wait == null) {
            wait = tracker.inTransaction() || session.awaitingClientFrames() ? null : admit(cmd);
            if (wait == null) {
                session.fail(cmd, error);
                return;
            }
            cmd.awaitPrimary(wait);
            log.info(
                    "[conn {}] {}: {} waits for the primary: {}",
                    session.info().connectionId(),
                    session.info().remote(),
                    cmd.type(),
                    ErrorLogText.of(error, log));
        }
        if (!wait.park()) {
            expired(cmd, wait, error);
        }
    }

    /** {@code cmd} goes out now: if it waited for the primary, that wait is over. */
    static void resumed(Command cmd) {
        PrimaryOutageBuffer.Wait wait = cmd.primaryWait();
        if (wait != null) {
            wait.end(PrimaryOutageBuffer.Outcome.RESUMED);
        }
    }

    private PrimaryOutageBuffer.Wait admit(Command cmd) {
        return buffer.admit(session.eventLoop(), new PrimaryOutageBuffer.Waiter() {
            @Override
            public void retry() {
                if (session.isCurrent(cmd)) {
                    redispatch.redispatch(cmd);
                }
            }

            @Override
            public void expired() {
                if (session.isCurrent(cmd)) {
                    PrimaryWaits.this.expired(cmd, cmd.primaryWait(), lastError);
                }
            }
        });
    }

    private void expired(Command cmd, PrimaryOutageBuffer.Wait wait, ErrPacket error) {
        log.warn(
                "[conn {}] {}: {} waited {} ms for the primary, in vain: {}",
                session.info().connectionId(),
                session.info().remote(),
                cmd.type(),
                wait.waitedNanos() / 1_000_000,
                ErrorLogText.of(error, log));
        wait.end(PrimaryOutageBuffer.Outcome.EXPIRED);
        session.fail(cmd, error);
    }
}

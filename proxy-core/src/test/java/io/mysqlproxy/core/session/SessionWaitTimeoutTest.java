package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.protocol.flag.ServerStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session's SET wait_timeout becomes its idle timeout once the server accepted it. The rig's
 * servers are MariaDB, which closes an idle client without a packet; the proxy does the same.
 */
class SessionWaitTimeoutTest {

    private static final int AUTOCOMMIT = ServerStatus.AUTOCOMMIT.mask();

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    @Test
    void aSessionIdleForItsWaitTimeoutIsClosedAsMariaDbClosesIt() {
        rig = new SessionRig(0, true);
        set("SET SESSION wait_timeout = 2", GoldenResponses.ok(1, AUTOCOMMIT));

        idleFor(1500);
        assertTrue(rig.client.isActive(), "1.5 s is within the 2 s");
        idleFor(600);
        assertFalse(rig.client.isActive(), "closed after 2 s idle");
        assertEquals("", hexOf(rig.clientReceived()), "without a packet: MariaDB's 4031 means something else");
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).discarded());
    }

    /** An @@global. prefix is its own variable's scope only: the wait_timeout after it is the session's. */
    @Test
    void aSetWithAGlobalAssignmentStillAppliesTheSessionsWaitTimeout() {
        rig = new SessionRig(0, true);
        set("SET @@global.max_connections = 151, wait_timeout = 2", GoldenResponses.ok(1, AUTOCOMMIT));

        idleFor(2100);
        assertFalse(rig.client.isActive(), "closed after 2 s idle");
        assertEquals("", hexOf(rig.clientReceived()), "without a packet, as MariaDB closes it");
    }

    @Test
    void aSetTheServerRefusedChangesNothing() {
        rig = new SessionRig(0, true);
        set("SET wait_timeout = 2, no_such_variable = 1", Wire.err(1, 1193, "HY000", "Unknown system variable"));

        idleFor(3000);
        assertTrue(rig.client.isActive(), "still the login's 8 h");
    }

    @Test
    void defaultBringsBackTheConfiguredTimeout() {
        rig = new SessionRig(0, true);
        set("SET wait_timeout = 2", GoldenResponses.ok(1, AUTOCOMMIT));
        set("SET wait_timeout = DEFAULT", GoldenResponses.ok(1, AUTOCOMMIT));

        idleFor(3000);
        assertTrue(rig.client.isActive());
    }

    @Test
    void resetConnectionForgetsTheSetValue() {
        rig = new SessionRig(0, true);
        set("SET wait_timeout = 2", GoldenResponses.ok(1, AUTOCOMMIT));
        rig.clientSends(Wire.command(0x1f, new byte[0]));
        serverReceived(rig.loginConnection);
        serverSends(rig.loginConnection, GoldenResponses.ok(1, AUTOCOMMIT));
        rig.clientReceived();

        idleFor(3000);
        assertTrue(rig.client.isActive());
    }

    /**
     * The server counts the replayed wait_timeout from a moment before the proxy does, so it closes
     * the connection of an open transaction first: that is the session's expiry, not a lost backend (1158).
     */
    @Test
    void theTransactionsConnectionClosedByTheSameWaitTimeoutEndsTheSessionAsItsExpiry() {
        rig = new SessionRig(0, true);
        set("SET wait_timeout = 2", GoldenResponses.ok(1, AUTOCOMMIT));
        set("BEGIN", GoldenResponses.ok(1, AUTOCOMMIT | ServerStatus.IN_TRANS.mask()));

        idleFor(1900);
        BackendConnection primary = rig.loginConnection;
        primary.close();
        rig.client.runPendingTasks();
        assertEquals("", hexOf(rig.clientReceived()), "no error 1158");
        assertFalse(rig.client.isActive());
    }

    @Test
    void aTransactionsConnectionLostLongBeforeTheExpiryIsStillALostBackend() {
        rig = new SessionRig(0, true);
        set("SET wait_timeout = 20", GoldenResponses.ok(1, AUTOCOMMIT));
        set("BEGIN", GoldenResponses.ok(1, AUTOCOMMIT | ServerStatus.IN_TRANS.mask()));

        idleFor(1000);
        rig.loginConnection.close();
        rig.client.runPendingTasks();
        byte[] received = rig.clientReceived();
        assertEquals(0xff, received[4] & 0xff, "an error");
        assertEquals(1158, (received[5] & 0xff) | (received[6] & 0xff) << 8);
    }

    private void set(String sql, byte[] answer) {
        rig.clientSends(query(sql));
        assertEquals(hexOf(query(sql)), hexOf(serverReceived(rig.loginConnection)));
        serverSends(rig.loginConnection, answer);
        assertEquals(hexOf(answer), hexOf(rig.clientReceived()));
    }

    private void idleFor(long millis) {
        rig.client.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        rig.client.runScheduledPendingTasks();
        rig.client.runPendingTasks();
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.flag.ServerStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.session.GoldenResponses.EMPTY_SELECT;
import static io.mysqlproxy.core.session.GoldenResponses.EMPTY_SELECT_EOF_ON;
import static io.mysqlproxy.core.session.GoldenResponses.UPDATE;
import static io.mysqlproxy.core.session.GoldenResponses.UPDATE_OK;
import static io.mysqlproxy.core.session.SessionLegFailureTest.statValue;
import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session while the primary is away ({@link PrimaryWaits}, {@code PrimaryOutageBuffer}): a statement that
 * needs the primary at a transaction boundary waits, tries again, and goes out once the primary takes a
 * connection; only when the buffer time runs out does the client get the error. A transaction start lost
 * with its connection is sent again. Time is the embedded event loop's, moved by hand.
 */
class SessionPrimaryOutageTest {

    private static final BackendException REFUSED =
            new BackendException(ProxyErrors.cannotConnect("primary:3306", "Connection refused"), null);

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    /** A session whose primary connection was lost between commands, and a primary that refuses the next borrows. */
    private void primaryAway(int refusals) {
        rig = new SessionRig(1, true);
        rig.client.freezeTime();
        rig.loginConnection.close();
        rig.pool(rig.primary).refuseBorrows(refusals, REFUSED);
    }

    private void advance(long millis) {
        rig.client.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        rig.client.runScheduledPendingTasks();
        rig.client.runPendingTasks();
    }

    @Test
    void anAutocommitWriteWaitsForThePrimaryAndRunsWhenItTakesAConnection() {
        primaryAway(3);
        rig.clientSends(query(UPDATE));
        assertEquals("", hexOf(rig.clientReceived()), "the write waits, no error");
        assertEquals(1, statValue(rig, "primary_buffered_statements"));

        advance(250);
        advance(250);
        assertEquals(3, rig.pool(rig.primary).refusedBorrows(), "tried again every 250 ms");
        assertEquals("", hexOf(rig.clientReceived()));

        advance(250);
        BackendConnection fresh = rig.connection(rig.primary, 1);
        assertEquals(hexOf(query(UPDATE)), hexOf(serverReceived(fresh)), "the primary is back: the write goes out");
        serverSends(fresh, UPDATE_OK);
        assertEquals(hexOf(UPDATE_OK), hexOf(rig.clientReceived()));
        assertEquals(0, statValue(rig, "primary_buffered_statements"));
        assertEquals(1, statValue(rig, "primary_buffer_waits.resumed"));
        assertEquals(0, statValue(rig, "primary_buffer_waits.expired"));
        assertTrue(rig.client.isActive());
    }

    @Test
    void aWaitingStatementGetsThePrimarysErrorWhenTheBufferTimeRunsOut() {
        primaryAway(Integer.MAX_VALUE);
        rig.services.outageBuffer(Duration.ofSeconds(2), 10);
        rig.clientSends(query(UPDATE));
        advance(1750);
        assertEquals("", hexOf(rig.clientReceived()), "still within the buffer time");

        advance(250);
        assertEquals(
                hexOf(Wire.err(
                        1,
                        ProxyErrors.ER_CONNECT_TO_FOREIGN_DATA_SOURCE,
                        "HY000",
                        REFUSED.error().message())),
                hexOf(rig.clientReceived()),
                "the error the statement found, as it would have had it at once");
        assertEquals(1, statValue(rig, "primary_buffer_waits.expired"));
        assertEquals(0, statValue(rig, "primary_buffered_statements"));
        assertTrue(rig.client.isActive(), "the session goes on");

        rig.pool(rig.primary).refuseBorrows(0, null);
        rig.clientSends(query(UPDATE));
        BackendConnection fresh =
                rig.connection(rig.primary, rig.pool(rig.primary).borrowed().size() - 1);
        assertEquals(hexOf(query(UPDATE)), hexOf(serverReceived(fresh)), "the next statement finds the primary back");
    }

    @Test
    void withTheBufferOffTheStatementFailsAtOnce() {
        primaryAway(1);
        rig.services.outageBuffer(Duration.ZERO, 10);
        rig.clientSends(query(UPDATE));
        assertEquals(
                hexOf(Wire.err(
                        1,
                        ProxyErrors.ER_CONNECT_TO_FOREIGN_DATA_SOURCE,
                        "HY000",
                        REFUSED.error().message())),
                hexOf(rig.clientReceived()));
        assertEquals(0, statValue(rig, "primary_buffer_waits.expired"), "nothing waited");
    }

    @Test
    void readsGoOnToTheReplicaWhileAWriteOfAnotherSessionWaits() {
        primaryAway(Integer.MAX_VALUE);
        rig.clientSends(query(EMPTY_SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(replica)));
        serverSends(replica, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));
        assertEquals(0, rig.pool(rig.primary).refusedBorrows(), "a read needs no primary");
    }

    @Test
    void aClientThatLeavesWhileItsStatementWaitsFreesItsPlace() {
        primaryAway(Integer.MAX_VALUE);
        rig.clientSends(query(UPDATE));
        assertEquals(1, statValue(rig, "primary_buffered_statements"));
        rig.client.close();
        rig.client.runPendingTasks();
        assertEquals(0, statValue(rig, "primary_buffered_statements"));
        assertEquals(1, statValue(rig, "primary_buffer_waits.abandoned"));
        int refused = rig.pool(rig.primary).refusedBorrows();
        advance(1000);
        assertEquals(refused, rig.pool(rig.primary).refusedBorrows(), "nothing tries again for a closed session");
    }

    @Test
    void aTransactionStartLostBeforeItsAnswerWaitsAndIsSentAgain() {
        rig = new SessionRig(1, true);
        rig.client.freezeTime();
        rig.clientSends(query("BEGIN"));
        assertEquals(hexOf(query("BEGIN")), hexOf(serverReceived(rig.loginConnection)));
        rig.pool(rig.primary).refuseBorrows(1, REFUSED);
        rig.loginConnection.close();
        assertEquals("", hexOf(rig.clientReceived()), "nothing had begun: the client sees nothing of it");
        assertTrue(rig.client.isActive());

        advance(250);
        BackendConnection fresh = rig.connection(rig.primary, 1);
        assertEquals(hexOf(query("BEGIN")), hexOf(serverReceived(fresh)), "the same BEGIN, on the primary's return");
        byte[] inTransaction = GoldenResponses.ok(1, ServerStatus.IN_TRANS.mask() | ServerStatus.AUTOCOMMIT.mask());
        serverSends(fresh, inTransaction);
        assertEquals(hexOf(inTransaction), hexOf(rig.clientReceived()));
        assertEquals(0, statValue(rig, "transactions_lost"));
    }

    @Test
    void insideATransactionNothingWaits() {
        rig = new SessionRig(1, true);
        BackendConnection primary = rig.loginConnection;
        rig.clientSends(query("BEGIN"));
        serverReceived(primary);
        serverSends(primary, GoldenResponses.ok(1, ServerStatus.IN_TRANS.mask() | ServerStatus.AUTOCOMMIT.mask()));
        rig.clientReceived();
        rig.clientSends(query(UPDATE));
        assertEquals(hexOf(query(UPDATE)), hexOf(serverReceived(primary)));

        primary.close();
        byte[] received = rig.clientReceived();
        assertEquals(
                hexOf(
                        Wire.err(
                                1,
                                ProxyErrors.ER_NET_READ_ERROR,
                                "08S01",
                                "Lost connection to MySQL server 'primary:3306' during query (connection closed by the server)")),
                hexOf(received),
                "the transaction's write cannot be saved");
        rig.client.runPendingTasks();
        assertFalse(rig.client.isActive());
        assertEquals(1, statValue(rig, "transactions_lost"));
        assertEquals(List.of(primary), rig.pool(rig.primary).borrowed(), "no new connection was tried");
    }

    private static final byte[] SHUTTING_DOWN =
            Wire.err(1, ProxyErrors.ER_SERVER_SHUTDOWN, "08S01", "Server shutdown in progress");

    @Test
    void aReplicaShuttingDownRefusesAReadAndTheReadGoesToAnotherReplicaUnseen() {
        rig = new SessionRig(2, true);
        rig.clientSends(query(EMPTY_SELECT));
        BackendConnection first = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(first)));

        serverSends(first, SHUTTING_DOWN);
        assertFalse(first.isActive(), "a connection to a server shutting down is finished");
        BackendConnection second = rig.connection(rig.replica(2), 0);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(second)), "the same read, elsewhere");
        assertEquals("", hexOf(rig.clientReceived()), "the refusal is not the client's");
        serverSends(second, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));
    }

    @Test
    void aBeginRefusedByThePrimarysShutdownWaitsForItsReturn() {
        rig = new SessionRig(1, true);
        rig.client.freezeTime();
        rig.clientSends(query("BEGIN"));
        assertEquals(hexOf(query("BEGIN")), hexOf(serverReceived(rig.loginConnection)));
        rig.pool(rig.primary).refuseBorrows(1, REFUSED);
        serverSends(rig.loginConnection, SHUTTING_DOWN);
        assertFalse(rig.loginConnection.isActive());
        assertEquals("", hexOf(rig.clientReceived()), "the BEGIN did not run: it waits");

        advance(250);
        BackendConnection fresh = rig.connection(rig.primary, 1);
        assertEquals(hexOf(query("BEGIN")), hexOf(serverReceived(fresh)));
        byte[] inTransaction = GoldenResponses.ok(1, ServerStatus.IN_TRANS.mask() | ServerStatus.AUTOCOMMIT.mask());
        serverSends(fresh, inTransaction);
        assertEquals(hexOf(inTransaction), hexOf(rig.clientReceived()));
    }

    @Test
    void aWriteRefusedByThePrimarysShutdownGetsTheServersErrorAndTheConnectionGoes() {
        rig = new SessionRig(1, true);
        rig.clientSends(query(UPDATE));
        assertEquals(hexOf(query(UPDATE)), hexOf(serverReceived(rig.loginConnection)));
        serverSends(rig.loginConnection, SHUTTING_DOWN);
        assertEquals(hexOf(SHUTTING_DOWN), hexOf(rig.clientReceived()), "the server's own answer");
        rig.client.runPendingTasks();
        assertFalse(rig.loginConnection.isActive(), "that connection is finished");
        assertTrue(rig.client.isActive(), "the session goes on");

        rig.clientSends(query(UPDATE));
        BackendConnection fresh = rig.connection(rig.primary, 1);
        assertEquals(hexOf(query(UPDATE)), hexOf(serverReceived(fresh)));
    }

    @Test
    void aReadStoppedAfterItsMetadataByAReplicasShutdownIsSentAgainUnseen() {
        rig = new SessionRig(2, true);
        rig.clientSends(query(EMPTY_SELECT));
        BackendConnection first = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(first)));

        // Column count and definition, then the server stops the statement: ERR 1053 as packet 3.
        byte[] metadata = Arrays.copyOf(EMPTY_SELECT_EOF_ON, EMPTY_SELECT_EOF_ON.length - 11);
        serverSends(
                first,
                Wire.concat(
                        metadata, Wire.err(3, ProxyErrors.ER_SERVER_SHUTDOWN, "08S01", "Server shutdown in progress")));
        BackendConnection second = rig.connection(rig.replica(2), 0);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(second)), "sent again elsewhere");
        assertEquals("", hexOf(rig.clientReceived()));
        serverSends(second, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));
    }

    @Test
    void aBackendGoingDownClosesTheIdleConnectionsSessionsHoldThere() {
        rig = new SessionRig(1, true);
        rig.services.sessions().backendDown(rig.primary);
        rig.client.runPendingTasks();
        assertFalse(rig.loginConnection.isActive(), "the idle primary connection is closed");
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).discarded());
        assertTrue(rig.client.isActive(), "the session goes on");
        rig.clientSends(query(UPDATE));
        assertEquals(hexOf(query(UPDATE)), hexOf(serverReceived(rig.connection(rig.primary, 1))));
    }

    @Test
    void aBackendGoingDownLeavesTheConnectionOfAnOpenTransaction() {
        rig = new SessionRig(1, true);
        rig.clientSends(query("BEGIN"));
        serverReceived(rig.loginConnection);
        serverSends(
                rig.loginConnection,
                GoldenResponses.ok(1, ServerStatus.IN_TRANS.mask() | ServerStatus.AUTOCOMMIT.mask()));
        rig.clientReceived();
        rig.services.sessions().backendDown(rig.primary);
        rig.client.runPendingTasks();
        assertTrue(rig.loginConnection.isActive(), "the transaction is the client's to finish or lose");
    }

    @Test
    void aPrepareRunsOnAReplicaWhileThePrimaryIsAwayAndItsExecutionWaitsForThePrimary() {
        primaryAway(1);
        byte[] sql = "UPDATE t SET a = 1".getBytes(StandardCharsets.UTF_8);
        rig.clientSends(Wire.command(0x16, sql));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(Wire.command(0x16, sql)), hexOf(serverReceived(replica)), "prepared on the replica");
        serverSends(replica, Wire.packets(1, "00 07000000 0000 0000 00 0000"));
        assertEquals(hexOf(Wire.packets(1, "00 01000000 0000 0000 00 0000")), hexOf(rig.clientReceived()));

        rig.clientSends(Wire.command(0x17, Wire.hex("01000000 00 01000000")));
        assertEquals("", hexOf(rig.clientReceived()), "the execution waits for the primary");
        advance(250);
        BackendConnection fresh = rig.connection(rig.primary, 1);
        assertEquals(hexOf(Wire.command(0x16, sql)), hexOf(serverReceived(fresh)), "prepared again where it runs");
        serverSends(fresh, Wire.packets(1, "00 09000000 0000 0000 00 0000"));
        assertEquals(hexOf(Wire.command(0x17, Wire.hex("09000000 00 01000000"))), hexOf(serverReceived(fresh)));
        serverSends(fresh, UPDATE_OK);
        assertEquals(hexOf(UPDATE_OK), hexOf(rig.clientReceived()));
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.flag.ServerStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.mysqlproxy.core.session.GoldenResponses.EMPTY_SELECT;
import static io.mysqlproxy.core.session.GoldenResponses.EMPTY_SELECT_EOF_ON;
import static io.mysqlproxy.core.session.GoldenResponses.SELECT;
import static io.mysqlproxy.core.session.GoldenResponses.SELECT_FIRST_THREE;
import static io.mysqlproxy.core.session.GoldenResponses.UPDATE;
import static io.mysqlproxy.core.session.GoldenResponses.UPDATE_OK;
import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.concat;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a lost backend connection means to the session ({@link LegFailures}): a replica read the
 * client has seen nothing of is read again elsewhere, unseen, and one lost before the read went out
 * leaves it to the primary; a leg lost mid-response ends the
 * session with error 1158 where the client expects its next packet; an idle primary leg is simply
 * replaced by the next command; the leg of an open transaction takes the session with it, with error
 * 1158 sent at once.
 * A dead connection is the pool's to count: the session neither releases nor discards it.
 */
class SessionLegFailureTest {

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    @Test
    void aReplicaLostBeforeAnsweringARead_theReadGoesToAnotherReplicaAndIsAnsweredOnce() {
        rig = new SessionRig(2, true);
        rig.clientSends(query(EMPTY_SELECT));
        BackendConnection first = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(first)));

        first.close();
        assertEquals(1, rig.pool(rig.replica(2)).borrowed().size(), "the read went to the other replica");
        BackendConnection second = rig.connection(rig.replica(2), 0);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(second)), "the same read, sent again");
        assertEquals("", hexOf(rig.clientReceived()), "the client saw nothing of the lost replica");
        assertTrue(rig.client.isActive());

        serverSends(second, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()), "exactly one answer");
        assertEquals(List.of(), rig.pool(rig.replica(1)).released());
        assertEquals(List.of(), rig.pool(rig.replica(1)).discarded());
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).borrowed(), "the primary was not needed");
        assertEquals("", hexOf(serverReceived(rig.loginConnection)));
    }

    @Test
    void aReplicaLostWhileItWasBroughtUpToTheSessionsStateLeavesTheReadToThePrimary() {
        rig = new SessionRig(1, true);
        rig.pool(rig.replica(1)).nextOnSchema("other");
        rig.clientSends(query(EMPTY_SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        // The replica connection is on another schema: COM_INIT_DB 'app' goes first, the read waits.
        assertEquals(
                hexOf(Wire.command(0x02, "app".getBytes(StandardCharsets.US_ASCII))), hexOf(serverReceived(replica)));

        replica.close();
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(rig.loginConnection)), "read on the primary");
        serverSends(rig.loginConnection, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()), "exactly one answer");
        assertTrue(rig.client.isActive());
    }

    @Test
    void aLegLostMidResponseEndsTheSessionWithError1158AfterWhatWasRelayed() {
        rig = new SessionRig(2, true);
        rig.clientSends(query(SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(SELECT)), hexOf(serverReceived(replica)));

        serverSends(replica, SELECT_FIRST_THREE);
        replica.close();
        // The client had packets 1 to 3: the error is packet 4, and no other replica is tried.
        assertEquals(
                hexOf(
                        concat(
                                SELECT_FIRST_THREE,
                                Wire.err(
                                        4,
                                        ProxyErrors.ER_NET_READ_ERROR,
                                        "08S01",
                                        "Lost connection to MySQL server 'replica1:3306' during query (connection closed by the server)"))),
                hexOf(rig.clientReceived()));
        rig.client.runPendingTasks();
        assertFalse(rig.client.isActive(), "the session ended");
        assertEquals(List.of(), rig.pool(rig.replica(2)).borrowed());
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).discarded(), "the other legs are closed");
        assertEquals(List.of(), rig.pool(rig.replica(1)).discarded());
        assertEquals(List.of(), rig.pool(rig.replica(1)).released());
    }

    @Test
    void aPrimaryLegLostWhileIdleIsReplacedByTheNextCommand() {
        rig = new SessionRig(1, true);
        rig.loginConnection.close();
        assertTrue(rig.client.isActive(), "nothing was lost but a connection");
        assertEquals("", hexOf(rig.clientReceived()));

        rig.clientSends(query(UPDATE));
        assertEquals(2, rig.pool(rig.primary).borrowed().size(), "a new primary connection was borrowed");
        BackendConnection fresh = rig.connection(rig.primary, 1);
        assertEquals(hexOf(query(UPDATE)), hexOf(serverReceived(fresh)));
        serverSends(fresh, UPDATE_OK);
        assertEquals(hexOf(UPDATE_OK), hexOf(rig.clientReceived()));
        assertEquals(List.of(), rig.pool(rig.primary).released());
        assertEquals(List.of(), rig.pool(rig.primary).discarded());
    }

    @Test
    void losingTheLegOfAnOpenTransactionEndsTheSession() {
        rig = new SessionRig(1, true);
        BackendConnection primary = rig.loginConnection;
        rig.clientSends(query("BEGIN"));
        assertEquals(hexOf(query("BEGIN")), hexOf(serverReceived(primary)));
        byte[] inTransaction = GoldenResponses.ok(1, ServerStatus.IN_TRANS.mask() | ServerStatus.AUTOCOMMIT.mask());
        serverSends(primary, inTransaction);
        assertEquals(hexOf(inTransaction), hexOf(rig.clientReceived()));

        primary.close();
        // Between commands the error starts a new exchange (sequence id 0), as a server going away sends it.
        assertEquals(
                hexOf(
                        Wire.err(
                                0,
                                ProxyErrors.ER_NET_READ_ERROR,
                                "08S01",
                                "Lost connection to MySQL server 'primary:3306' during query (connection closed by the server)")),
                hexOf(rig.clientReceived()));
        rig.client.runPendingTasks();
        assertFalse(rig.client.isActive(), "the transaction is gone: so is the session");
        assertEquals(1, statValue(rig, "transactions_lost"), "counted as a lost transaction");
        assertEquals(List.of(), rig.pool(rig.primary).released());
        assertEquals(List.of(), rig.pool(rig.replica(1)).borrowed());
    }

    /**
     * Under session consistency a read after a write asks the primary connection that wrote for the
     * write's position before it may go to a replica; if that connection dies before answering, the
     * read goes to the primary (a new connection) and is answered once.
     */
    @Test
    void thePrimaryLostWhileAskedForTheSessionsWritePositionLeavesTheReadToANewPrimaryConnection() {
        rig = new SessionRig(1, true, Consistency.SESSION);
        BackendConnection primary = rig.loginConnection;
        rig.clientSends(query(UPDATE));
        assertEquals(hexOf(query(UPDATE)), hexOf(serverReceived(primary)));
        serverSends(primary, UPDATE_OK);
        assertEquals(hexOf(UPDATE_OK), hexOf(rig.clientReceived()));

        rig.clientSends(query(EMPTY_SELECT));
        assertEquals(1, rig.pool(rig.replica(1)).borrowed().size(), "the read was meant for the replica");
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(
                hexOf(query("SELECT @@last_gtid")),
                hexOf(serverReceived(primary)),
                "the write's position, asked of the connection that wrote (MariaDB)");
        assertEquals("", hexOf(serverReceived(replica)), "the read waits for it");

        primary.close();
        assertEquals(2, rig.pool(rig.primary).borrowed().size(), "a new primary connection for the read");
        BackendConnection fresh = rig.connection(rig.primary, 1);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(fresh)));
        assertEquals("", hexOf(serverReceived(replica)), "nothing went to the replica");
        assertEquals("", hexOf(rig.clientReceived()));
        serverSends(fresh, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()), "exactly one answer");
        assertTrue(rig.client.isActive());
        assertEquals(List.of(), rig.pool(rig.primary).discarded());
        assertEquals(List.of(), rig.pool(rig.replica(1)).discarded());
    }

    static long statValue(SessionRig rig, String name) {
        return rig.services.metrics().stats().stream()
                .filter(stat -> stat.name().equals(name))
                .findFirst()
                .orElseThrow()
                .value();
    }
}

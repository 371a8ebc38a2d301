package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.SessionSets;
import io.mysqlproxy.core.backend.StatementKey;
import io.mysqlproxy.protocol.wire.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.concat;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.packets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole session under transaction multiplexing with the connections' prepared-statement caches. The
 * server's limit on prepared statements across all its connections (max_prepared_stmt_count, error 1461): a
 * prepare it refuses is sent once more after the connection's cache closed the statements the session has
 * not bound; refused again, the client gets the error. An EXECUTE too large to carry the session's parameter
 * types does not run on a cached statement, which would use the types another session bound there.
 */
class SessionStatementCacheTest {

    private static final byte[] SELECT =
            "SELECT id FROM golden /* route=primary */".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PREPARE = Wire.command(0x16, SELECT);
    private static final byte[] ONE_PARAMETER =
            "SELECT id FROM golden WHERE id = ? /* route=primary */".getBytes(StandardCharsets.US_ASCII);
    /** COM_STMT_CLOSE of the statement the connection's cache kept (server id 3). */
    private static final byte[] CLOSE_3 = packets(0, "19 03000000");

    private static final byte[] LIMIT_REACHED = Wire.err(
            1, 1461, "42000", "Can't create more than max_prepared_stmt_count statements (current value: 16382)");

    private final SessionRig rig = SessionRig.multiplexed(0, 4);

    @AfterEach
    void finish() {
        rig.finish();
    }

    @Test
    void aLazyPrepareRefusedForTheLimitIsRetriedAfterTheCacheClosedWhatNobodyBinds() {
        BackendConnection first = rig.loginConnection;
        rig.clientSends(PREPARE);
        assertEquals(hexOf(PREPARE), hexOf(serverReceived(first)));
        serverSends(first, packets(1, "00 07000000 0000 0000 00 0000"));
        rig.clientReceived();
        rig.client.runPendingTasks();

        // EXECUTE the proxy's statement 1 on a connection that keeps another statement for any session.
        BackendConnection next = borrowKeeping(() -> rig.clientSends(packets(0, "17 01000000 00 01000000")));
        assertEquals(hexOf(PREPARE), hexOf(serverReceived(next)));
        serverSends(next, LIMIT_REACHED);
        assertEquals(hexOf(concat(CLOSE_3, PREPARE)), hexOf(serverReceived(next)), "room made, prepared again");
        serverSends(next, packets(1, "00 09000000 0000 0000 00 0000"));
        assertEquals(hexOf(packets(0, "17 09000000 00 01000000")), hexOf(serverReceived(next)));
        serverSends(next, GoldenResponses.EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(GoldenResponses.EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()), "the client's rows");
        assertEquals(1, next.statementCache(4).size(), "only the new statement is kept");
    }

    @Test
    void theClientsPrepareIsRetriedOnceAndTheSecondRefusalReachesTheClient() {
        rig.client.runPendingTasks();
        BackendConnection next = borrowKeeping(() -> rig.clientSends(PREPARE));
        assertEquals(hexOf(PREPARE), hexOf(serverReceived(next)));
        serverSends(next, LIMIT_REACHED);
        assertEquals(hexOf(concat(CLOSE_3, PREPARE)), hexOf(serverReceived(next)));
        assertEquals("", hexOf(rig.clientReceived()), "the first refusal is the proxy's");
        serverSends(next, LIMIT_REACHED);
        assertEquals(hexOf(LIMIT_REACHED), hexOf(rig.clientReceived()));
        assertEquals("", hexOf(serverReceived(next)), "no third prepare");
        assertEquals(0, next.statementCache(4).size());
    }

    @Test
    void anExecuteTooLargeForItsTypesPreparesItsOwnStatementInsteadOfTakingTheCachedOne() {
        BackendConnection first = rig.loginConnection;
        byte[] prepare = Wire.command(0x16, ONE_PARAMETER);
        rig.clientSends(prepare);
        assertEquals(hexOf(prepare), hexOf(serverReceived(first)));
        // STMT_PREPARE_OK: statement 7, no columns, one parameter (its definition, no EOF).
        byte[] prepareOk = packets(1, "00 07000000 0000 0100 00 0000", 2, GoldenResponses.ID_COLUMN);
        serverSends(first, prepareOk);
        rig.clientReceived();
        rig.client.runPendingTasks();
        // EXECUTE 1 binding a LONGLONG (0x08) 5, prepared on the next connection first: the proxy learns the types.
        rig.clientSends(packets(0, "17 01000000 00 01000000 00 01 0800 0500000000000000"));
        BackendConnection second = rig.connection(rig.primary, 1);
        assertEquals(hexOf(prepare), hexOf(serverReceived(second)));
        serverSends(second, packets(1, "00 08000000 0000 0100 00 0000", 2, GoldenResponses.ID_COLUMN));
        assertEquals(
                hexOf(packets(0, "17 08000000 00 01000000 00 01 0800 0500000000000000")),
                hexOf(serverReceived(second)));
        serverSends(second, GoldenResponses.EMPTY_SELECT_EOF_ON);
        rig.clientReceived();
        rig.client.runPendingTasks();

        // An EXECUTE of the largest payload one packet takes, types not bound again: no room to insert them.
        byte[] head = Wire.hex("17 01000000 00 01000000 00 00");
        byte[] payload = new byte[Packets.MAX_PAYLOAD - 1];
        System.arraycopy(head, 0, payload, 0, head.length);
        BackendConnection next = borrowKeeping(ONE_PARAMETER, () -> rig.clientSends(Wire.frame(0, payload)));
        assertEquals(hexOf(prepare), hexOf(serverReceived(next)), "its own statement, not the cached 3");
        serverSends(next, packets(1, "00 09000000 0000 0100 00 0000", 2, GoldenResponses.ID_COLUMN));
        byte[] sent = serverReceived(next);
        assertEquals(Packets.HEADER_SIZE + payload.length, sent.length);
        assertEquals("17090000", hexOf(Arrays.copyOfRange(sent, Packets.HEADER_SIZE, Packets.HEADER_SIZE + 4)));
        serverSends(next, GoldenResponses.EMPTY_SELECT_EOF_ON);
        rig.clientReceived();
        assertTrue(next.statementCache(4).contains(3), "left for sessions that can send their types");
    }

    /**
     * Runs {@code command}, which borrows a connection; before it is handed over, that connection's cache
     * keeps server statement 3 (another text) for any session. Returns the connection.
     */
    private BackendConnection borrowKeeping(Runnable command) {
        return borrowKeeping("SELECT 2".getBytes(StandardCharsets.US_ASCII), command);
    }

    /** As {@link #borrowKeeping(Runnable)}, the cache keeping statement 3 for {@code sql}. */
    private BackendConnection borrowKeeping(byte[] sql, Runnable command) {
        FakeConnectionPool pool = rig.pool(rig.primary);
        pool.holdNextBorrow();
        command.run();
        BackendConnection next = pool.borrowed(pool.borrowed().size() - 1);
        StatementKey other = next.statementKey(sql, SessionSets.NONE);
        assertNotNull(other);
        assertTrue(next.statementCache(4).add(other, 3, null));
        pool.completeHeldBorrow();
        rig.client.runPendingTasks();
        return next;
    }
}

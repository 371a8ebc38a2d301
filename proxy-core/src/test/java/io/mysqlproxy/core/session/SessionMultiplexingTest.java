package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.packets;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transaction multiplexing in a whole session: the connection goes back, with its imprint and without a
 * reset, once a statement's response is complete and nothing holds it; LAST_INSERT_ID() comes from the
 * OK packet and is set on the next connection; warnings hold the connection until the next statement.
 */
class SessionMultiplexingTest {

    /** OK: 1 row affected, last_insert_id 7, autocommit, no warnings. */
    private static final byte[] INSERT_OK = packets(1, "00 01 07 0200 0000");
    /** OK: nothing affected, autocommit, 1 warning. */
    private static final byte[] OK_ONE_WARNING = packets(1, "00 00 00 0200 0100");

    private final SessionRig rig = SessionRig.multiplexed(0);

    @AfterEach
    void finish() {
        rig.finish();
    }

    @Test
    void theConnectionGoesBackAfterTheStatementAndLastInsertIdFollowsTheSessionFromTheOk() {
        BackendConnection first = rig.loginConnection;
        run(first, "INSERT INTO golden (name) VALUES ('x')", INSERT_OK);
        rig.client.runPendingTasks();

        assertEquals(List.of(first), rig.pool(rig.primary).released(), "given back at the boundary");
        assertNotNull(first.imprint(), "without a reset: the next borrower reads its imprint");
        assertEquals(7, first.imprint().lastInsertId());

        rig.clientSends(query("SELECT LAST_INSERT_ID()"));
        BackendConnection next = rig.connection(rig.primary, 1);
        assertEquals(
                hexOf(query("SET last_insert_id = 7")),
                hexOf(serverReceived(next)),
                "the new connection gets the session's LAST_INSERT_ID() before the statement");
        serverSends(next, GoldenResponses.ok(1, 2));
        assertEquals(hexOf(query("SELECT LAST_INSERT_ID()")), hexOf(serverReceived(next)));
        serverSends(next, GoldenResponses.EMPTY_SELECT_EOF_ON);
        rig.clientReceived();
        rig.client.runPendingTasks();
        assertEquals(List.of(first, next), rig.pool(rig.primary).released());
    }

    @Test
    void theLoginConnectionGoesBackAsSoonAsTheSessionStarts() {
        rig.client.runPendingTasks();
        assertEquals(
                List.of(rig.loginConnection),
                rig.pool(rig.primary).released(),
                "a login storm must not hold a pooled connection per session until its first command");
        assertNotNull(rig.loginConnection.imprint(), "given back without a reset");
    }

    @Test
    void warningsHoldTheConnectionUntilTheNextStatementHasRunThere() {
        BackendConnection first = rig.loginConnection;
        run(first, "UPDATE golden SET name = 'x' WHERE id = 1", OK_ONE_WARNING);
        rig.client.runPendingTasks();
        assertTrue(rig.pool(rig.primary).released().isEmpty(), "kept for SHOW WARNINGS");

        run(first, "SHOW WARNINGS", GoldenResponses.EMPTY_SELECT_EOF_ON);
        rig.client.runPendingTasks();
        assertTrue(rig.pool(rig.primary).released().isEmpty(), "reading the warnings does not clear them");

        run(first, GoldenResponses.UPDATE, GoldenResponses.UPDATE_OK);
        rig.client.runPendingTasks();
        assertEquals(List.of(first), rig.pool(rig.primary).released());
    }

    @Test
    void warningsExpireAfterReturnAfterIdleAndTheConnectionGoesBackToBeReset() {
        SessionRig idle = SessionRig.multiplexed(0, Duration.ofSeconds(1));
        try {
            BackendConnection first = idle.loginConnection;
            idle.clientSends(query("UPDATE golden SET name = 'x' WHERE id = 1"));
            serverReceived(first);
            serverSends(first, OK_ONE_WARNING);
            idle.clientReceived();
            idle.client.runPendingTasks();
            assertTrue(idle.pool(idle.primary).released().isEmpty(), "kept for SHOW WARNINGS");

            idle.client.advanceTimeBy(1100, TimeUnit.MILLISECONDS);
            idle.client.runPendingTasks();
            assertEquals(List.of(first), idle.pool(idle.primary).released(), "not until wait_timeout");
            assertNull(first.imprint(), "its warnings are not for the next borrower: reset");
        } finally {
            idle.finish();
        }
    }

    @Test
    void anOpenTransactionHoldsTheConnectionUntilItEnds() {
        BackendConnection first = rig.loginConnection;
        run(first, "BEGIN", GoldenResponses.ok(1, 0x0003));
        rig.client.runPendingTasks();
        run(first, GoldenResponses.UPDATE, packets(1, "00 01 00 0300 0000"));
        rig.client.runPendingTasks();
        assertTrue(rig.pool(rig.primary).released().isEmpty(), "in a transaction");

        run(first, "COMMIT", GoldenResponses.ok(1, 0x0002));
        rig.client.runPendingTasks();
        assertEquals(List.of(first), rig.pool(rig.primary).released());
    }

    @Test
    void rowCountAfterTheConnectionWentBackIsTheValueTheProxySaw() {
        BackendConnection first = rig.loginConnection;
        run(first, "UPDATE golden SET name = 'y' WHERE id < 4", packets(1, "00 03 00 0200 0000"));
        rig.client.runPendingTasks();
        assertEquals(List.of(first), rig.pool(rig.primary).released());

        rig.clientSends(query("SELECT ROW_COUNT()"));
        BackendConnection next = rig.connection(rig.primary, 1);
        assertEquals(
                hexOf(query("SELECT 3 AS `ROW_COUNT()`")),
                hexOf(serverReceived(next)),
                "the connection may have served another session since: the proxy answers the value");
        serverSends(next, GoldenResponses.EMPTY_SELECT_EOF_ON);
        rig.clientReceived();
        rig.client.runPendingTasks();
    }

    @Test
    void aMultiStatementReadsItsOwnPartsRowCountAndIsNotRewritten() {
        BackendConnection first = rig.loginConnection;
        run(first, "UPDATE golden SET name = 'y' WHERE id < 4", packets(1, "00 03 00 0200 0000"));
        rig.client.runPendingTasks();
        assertEquals(List.of(first), rig.pool(rig.primary).released());

        String multi = "UPDATE golden SET name = 'z' WHERE id = 1; SELECT ROW_COUNT()";
        rig.clientSends(query(multi));
        BackendConnection next = rig.connection(rig.primary, 1);
        assertEquals(hexOf(query(multi)), hexOf(serverReceived(next)), "ROW_COUNT() is the UPDATE's, before it");
        serverSends(next, GoldenResponses.ok(1, 2));
        rig.clientReceived();
        rig.client.runPendingTasks();
    }

    @Test
    void aRoutineBodyKeepsItsRowCount() {
        BackendConnection first = rig.loginConnection;
        run(first, "UPDATE golden SET name = 'y' WHERE id < 4", packets(1, "00 03 00 0200 0000"));
        rig.client.runPendingTasks();

        String create = "CREATE PROCEDURE p() BEGIN UPDATE golden SET name = 'z'; SELECT ROW_COUNT(); END";
        rig.clientSends(query(create));
        BackendConnection next = rig.connection(rig.primary, 1);
        assertEquals(hexOf(query(create)), hexOf(serverReceived(next)), "the body reads ROW_COUNT() when it runs");
        serverSends(next, GoldenResponses.ok(1, 2));
        rig.clientReceived();
        rig.client.runPendingTasks();
    }

    @Test
    void sqlCalcFoundRowsHoldsTheConnectionForFoundRows() {
        BackendConnection first = rig.loginConnection;
        run(
                first,
                "SELECT SQL_CALC_FOUND_ROWS id FROM golden LIMIT 1 /* route=primary */",
                GoldenResponses.EMPTY_SELECT_EOF_ON);
        rig.client.runPendingTasks();
        assertTrue(rig.pool(rig.primary).released().isEmpty(), "FOUND_ROWS() is the server's count there");

        run(first, "SELECT FOUND_ROWS()", GoldenResponses.EMPTY_SELECT_EOF_ON);
        rig.client.runPendingTasks();
        assertEquals(List.of(first), rig.pool(rig.primary).released(), "read: nothing holds it any more");
    }

    @Test
    void aPreparedSqlCalcFoundRowsHoldsTheConnectionToo() {
        BackendConnection first = rig.loginConnection;
        byte[] prepare = Wire.command(
                0x16,
                "SELECT SQL_CALC_FOUND_ROWS id FROM golden LIMIT 1 /* route=primary */"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        rig.clientSends(prepare);
        assertEquals(hexOf(prepare), hexOf(serverReceived(first)));
        // STMT_PREPARE_OK: statement 7 on the server, no columns, no parameters.
        serverSends(first, packets(1, "00 07000000 0000 0000 00 0000"));
        rig.clientReceived();
        rig.client.runPendingTasks();

        assertEquals(List.of(first), rig.pool(rig.primary).released(), "a prepared statement holds nothing");

        // EXECUTE the proxy's statement 1 (no cursor, one iteration, no parameters), prepared on the next connection
        // first.
        rig.clientSends(packets(0, "17 01000000 00 01000000"));
        BackendConnection next = rig.connection(rig.primary, 1);
        assertEquals(hexOf(prepare), hexOf(serverReceived(next)));
        serverSends(next, packets(1, "00 09000000 0000 0000 00 0000"));
        assertEquals(hexOf(packets(0, "17 09000000 00 01000000")), hexOf(serverReceived(next)));
        serverSends(next, GoldenResponses.EMPTY_SELECT_EOF_ON);
        rig.clientReceived();
        rig.client.runPendingTasks();
        assertEquals(List.of(first), rig.pool(rig.primary).released(), "FOUND_ROWS() is the server's count there");

        run(next, "SELECT FOUND_ROWS()", GoldenResponses.EMPTY_SELECT_EOF_ON);
        rig.client.runPendingTasks();
        assertEquals(List.of(first, next), rig.pool(rig.primary).released(), "read: nothing holds it any more");
    }

    /** The client sends {@code sql}; it reaches {@code connection}, which answers {@code response}. */
    private void run(BackendConnection connection, String sql, byte[] response) {
        rig.clientSends(query(sql));
        assertEquals(hexOf(query(sql)), hexOf(serverReceived(connection)));
        serverSends(connection, response);
        rig.clientReceived();
    }
}

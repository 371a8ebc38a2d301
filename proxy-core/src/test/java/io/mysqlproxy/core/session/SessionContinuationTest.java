package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.wire.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.frame;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A COM_QUERY of 16 MiB or more arrives as a full first frame (0xffffff payload bytes) and the
 * frames that continue it: they reach the leg whole and in order, whether the leg was ready when they
 * came or not. A continuation out of sequence ends the session with error 1156, and the leg that had
 * the first part is closed rather than reused.
 */
class SessionContinuationTest {

    /** {@code INSERT INTO golden (note) VALUES ('xxx…x')}: a first frame of exactly 0xffffff payload bytes, then the rest. */
    private static final byte[] FIRST = firstFrame("\u0003INSERT INTO golden (note) VALUES ('", "x");

    private static final byte[] REST = frame(1, "xxxxxxxx')".getBytes(StandardCharsets.US_ASCII));
    /** OK, status AUTOCOMMIT, after the client's packets 0 and 1. */
    private static final byte[] OK = GoldenResponses.ok(2, ServerStatus.AUTOCOMMIT.mask());

    /** A parameter's definition in a STMT_PREPARE_OK: catalog "def", name "?", VAR_STRING (0xfd), binary. */
    private static final String PARAMETER = "03646566 00 00 00 013f 00 0c 3f00 00000000 fd 8000 00 0000";
    /** OK after a COM_STMT_EXECUTE (the client's packet 0). */
    private static final byte[] OK_AFTER_EXECUTE = GoldenResponses.ok(1, ServerStatus.AUTOCOMMIT.mask());

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    /** A frame of sequence id 0 and 0xffffff payload bytes: {@code start}, then {@code filler} repeated. */
    private static byte[] firstFrame(String start, String filler) {
        byte[] payload = new byte[Packets.MAX_PAYLOAD];
        byte[] head = start.getBytes(StandardCharsets.US_ASCII);
        byte[] fill = filler.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, payload, 0, head.length);
        for (int i = head.length; i < payload.length; i++) {
            payload[i] = fill[(i - head.length) % fill.length];
        }
        return frame(0, payload);
    }

    @Test
    void aCommandOverSixteenMebibytesReachesTheBackendWholeAndInOrder() {
        rig = new SessionRig(1, true);
        BackendConnection primary = rig.loginConnection;
        rig.clientSends(FIRST);
        assertArrayEquals(FIRST, serverReceived(primary), "the first frame goes out as it came");
        rig.clientSends(REST);
        assertArrayEquals(REST, serverReceived(primary), "then the frame that ends the packet");

        serverSends(primary, OK);
        assertEquals(hexOf(OK), hexOf(rig.clientReceived()));
        assertEquals(List.of(), rig.pool(rig.primary).discarded());
    }

    @Test
    void aContinuationThatArrivesBeforeTheLegIsReadyFollowsTheFirstFrame() {
        rig = new SessionRig(1, true);
        rig.loginConnection.close(); // the INSERT needs a new primary connection, which takes a while to log in
        rig.pool(rig.primary).holdNextBorrow();
        rig.clientSends(FIRST);
        rig.clientSends(REST);
        BackendConnection primary = rig.connection(rig.primary, 1);
        assertEquals(0, serverReceived(primary).length, "nothing goes out before the leg is ready");

        rig.pool(rig.primary).completeHeldBorrow();
        byte[] received = serverReceived(primary);
        assertEquals(FIRST.length + REST.length, received.length);
        assertArrayEquals(FIRST, Arrays.copyOf(received, FIRST.length));
        assertArrayEquals(REST, Arrays.copyOfRange(received, FIRST.length, received.length));

        serverSends(primary, OK);
        assertEquals(hexOf(OK), hexOf(rig.clientReceived()));
    }

    @Test
    void aContinuationOutOfSequenceEndsTheSessionAndTheLegIsNotReused() {
        rig = new SessionRig(1, true);
        BackendConnection primary = rig.loginConnection;
        rig.clientSends(FIRST);
        assertArrayEquals(FIRST, serverReceived(primary));

        rig.clientSends(frame(5, "x')".getBytes(StandardCharsets.US_ASCII)));
        // The error follows the client's last good packet (sequence id 0).
        assertEquals(
                hexOf(Wire.err(
                        1,
                        ProxyErrors.ER_NET_PACKETS_OUT_OF_ORDER,
                        "08S01",
                        "Got packets out of order (expected sequence id 1, got 5)")),
                hexOf(rig.clientReceived()));
        rig.client.runPendingTasks();
        assertFalse(rig.client.isActive(), "the session ended");
        assertEquals(List.of(primary), rig.pool(rig.primary).discarded(), "the leg had half a command: closed");
        assertFalse(primary.isActive());
        assertEquals(List.of(), rig.pool(rig.primary).released());
    }

    /** A 16 MiB command pipelined behind another: its continuation waits in the queue with it, and follows it out. */
    @Test
    void aPipelinedCommandOverSixteenMebibytesGoesOutWholeWhenItsTurnComes() {
        rig = new SessionRig(1, true);
        rig.clientSends(query(GoldenResponses.EMPTY_SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(GoldenResponses.EMPTY_SELECT)), hexOf(serverReceived(replica)));
        rig.clientSends(FIRST);
        rig.clientSends(REST);
        BackendConnection primary = rig.loginConnection;
        assertEquals(0, serverReceived(primary).length, "the INSERT waits for the SELECT's answer");

        serverSends(replica, GoldenResponses.EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(GoldenResponses.EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));
        byte[] received = serverReceived(primary);
        assertEquals(FIRST.length + REST.length, received.length, "the INSERT went out whole");
        assertArrayEquals(REST, Arrays.copyOfRange(received, FIRST.length, received.length));
        assertTrue(rig.readingClient(), "nothing waits any more");

        serverSends(primary, OK);
        assertEquals(hexOf(OK), hexOf(rig.clientReceived()));
    }

    /**
     * A server that refuses a packet part way answers before the rest of it has arrived: MySQL, over its
     * max_allowed_packet, sends error 1153 at once and then reads what follows as commands of their own,
     * answering "Got packets out of order". The answer reaches the client, the rest of the packet goes
     * nowhere, that connection is closed, and the client's next statement runs on a new one.
     */
    @Test
    void aServerThatAnswersBeforeTheRestArrivedIsNotUsedAgain() {
        rig = new SessionRig(1, true);
        BackendConnection refusing = rig.loginConnection;
        rig.clientSends(FIRST);
        assertArrayEquals(FIRST, serverReceived(refusing));
        byte[] tooLarge = Wire.err(1, 1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes");
        serverSends(refusing, tooLarge);
        assertEquals(hexOf(tooLarge), hexOf(rig.clientReceived()), "the server's answer, as it came");

        rig.clientSends(REST);
        assertEquals(0, serverReceived(refusing).length, "the rest of the refused packet goes nowhere");
        assertEquals(List.of(refusing), rig.pool(rig.primary).discarded(), "the connection is out of step: closed");
        assertFalse(refusing.isActive());

        rig.clientSends(query(GoldenResponses.UPDATE));
        BackendConnection next = rig.connection(rig.primary, 1);
        assertEquals(hexOf(query(GoldenResponses.UPDATE)), hexOf(serverReceived(next)), "a new connection");
        serverSends(next, GoldenResponses.UPDATE_OK);
        assertEquals(hexOf(GoldenResponses.UPDATE_OK), hexOf(rig.clientReceived()));
        assertTrue(rig.client.isActive(), "the session goes on");
    }

    /**
     * A statement is classified from its first frame; when that is a read whose rest turns out to be a
     * write, the whole must still go to the primary.
     */
    @Test
    void aSixteenMebibyteStatementIsRoutedForWhatItMayContainNotItsFirstFrame() {
        rig = new SessionRig(1, true);
        byte[] first = firstFrame("\u0003SELECT id FROM golden WHERE id IN (", "1, ");
        byte[] rest = frame(1, "1); DELETE FROM golden".getBytes(StandardCharsets.US_ASCII));
        rig.clientSends(first);
        rig.clientSends(rest);
        assertEquals(List.of(), rig.pool(rig.replica(1)).borrowed(), "no replica may see the DELETE");
        BackendConnection primary = rig.loginConnection;
        byte[] received = serverReceived(primary);
        assertEquals(first.length + rest.length, received.length);

        serverSends(primary, GoldenResponses.ok(2, ServerStatus.AUTOCOMMIT.mask()));
        assertEquals(hexOf(GoldenResponses.ok(2, ServerStatus.AUTOCOMMIT.mask())), hexOf(rig.clientReceived()));
    }

    /**
     * The replica answering a read dies while a 16 MiB command waits behind the read, its rest still
     * to come from the client: the read is still the client's only one in flight, so it is read again
     * on another replica, and the big command runs after it.
     */
    @Test
    void aReplicaReadLostWithASixteenMebibyteCommandQueuedBehindItIsReadAgainElsewhere() {
        rig = new SessionRig(2, true);
        rig.clientSends(query(GoldenResponses.EMPTY_SELECT));
        BackendConnection lost = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(GoldenResponses.EMPTY_SELECT)), hexOf(serverReceived(lost)));
        rig.clientSends(FIRST); // queued behind the read; the frame that ends it is still to come

        lost.close();
        assertEquals(1, rig.pool(rig.replica(2)).borrowed().size(), "the read went to the other replica");
        BackendConnection second = rig.connection(rig.replica(2), 0);
        assertEquals(hexOf(query(GoldenResponses.EMPTY_SELECT)), hexOf(serverReceived(second)), "the same read");
        assertEquals("", hexOf(rig.clientReceived()), "the client saw nothing of the lost replica");
        assertTrue(rig.client.isActive());
        BackendConnection primary = rig.loginConnection;
        assertEquals(0, serverReceived(primary).length, "the INSERT still waits for the read's answer");

        serverSends(second, GoldenResponses.EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(GoldenResponses.EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()), "exactly one answer");
        assertArrayEquals(FIRST, serverReceived(primary), "then the INSERT's first frame goes out");
        rig.clientSends(REST);
        assertArrayEquals(REST, serverReceived(primary), "and the frame that ends it");
        serverSends(primary, OK);
        assertEquals(hexOf(OK), hexOf(rig.clientReceived()));
        assertEquals(List.of(), rig.pool(rig.replica(1)).released());
        assertEquals(List.of(), rig.pool(rig.replica(1)).discarded());
    }

    /** An idle leg lost while a 16 MiB command waits behind a read is just an idle leg lost: the session goes on. */
    @Test
    void anIdleLegLostWhileASixteenMebibyteCommandWaitsBehindAReadDoesNotEndTheSession() {
        rig = new SessionRig(1, true);
        rig.clientSends(query(GoldenResponses.EMPTY_SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(GoldenResponses.EMPTY_SELECT)), hexOf(serverReceived(replica)));
        rig.clientSends(FIRST);

        rig.loginConnection.close(); // the primary leg, idle: the INSERT has not been taken up yet
        rig.client.runPendingTasks();
        assertTrue(rig.client.isActive(), "only an idle connection was lost");
        assertEquals("", hexOf(rig.clientReceived()));

        serverSends(replica, GoldenResponses.EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(GoldenResponses.EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));
        assertEquals(2, rig.pool(rig.primary).borrowed().size(), "the INSERT borrowed a new primary connection");
        BackendConnection primary = rig.connection(rig.primary, 1);
        assertArrayEquals(FIRST, serverReceived(primary));
        rig.clientSends(REST);
        assertArrayEquals(REST, serverReceived(primary));
        serverSends(primary, OK);
        assertEquals(hexOf(OK), hexOf(rig.clientReceived()));
        assertEquals(List.of(), rig.pool(rig.primary).discarded());
        assertEquals(List.of(), rig.pool(rig.replica(1)).discarded());
    }

    /**
     * COM_STMT_SEND_LONG_DATA has no answer, so it is over once all of it went out: with 16 MiB or
     * more, at its last frame, not its first. The EXECUTE pipelined behind it follows the whole packet.
     */
    @Test
    void aSixteenMebibyteSendLongDataGoesOutWholeBeforeTheExecuteBehindIt() {
        rig = new SessionRig(1, true);
        BackendConnection primary = rig.loginConnection;
        byte[] prepare = Wire.command(0x16, "INSERT INTO golden (data) VALUES (?)".getBytes(StandardCharsets.US_ASCII));
        rig.clientSends(prepare);
        assertEquals(hexOf(prepare), hexOf(serverReceived(primary)));
        // STMT_PREPARE_OK: statement 7 on the server, no columns, one parameter; then that parameter.
        serverSends(primary, Wire.packets(1, "00 07000000 0000 0100 00 0000", 2, PARAMETER));
        // The client knows the statement by the proxy's id, 1.
        assertEquals(
                hexOf(Wire.packets(1, "00 01000000 0000 0100 00 0000", 2, PARAMETER)), hexOf(rig.clientReceived()));

        // Long data for parameter 0 of statement 1: command, statement id, parameter id, then 'd's.
        rig.clientSends(firstFrame("\u0018\u0001\u0000\u0000\u0000\u0000\u0000", "d"));
        assertArrayEquals(
                firstFrame("\u0018\u0007\u0000\u0000\u0000\u0000\u0000", "d"),
                serverReceived(primary),
                "the first frame goes out, for the server's statement id");
        byte[] rest = frame(1, "dddd".getBytes(StandardCharsets.US_ASCII));
        // EXECUTE statement 1: no cursor, 1 iteration, no NULLs, types bound: one BLOB (0xfc), sent as long data.
        rig.clientSends(Wire.concat(rest, Wire.packets(0, "17 01000000 00 01000000 00 01 fc00")));
        assertEquals(
                hexOf(Wire.concat(rest, Wire.packets(0, "17 07000000 00 01000000 00 01 fc00"))),
                hexOf(serverReceived(primary)),
                "the rest of the long data, then the EXECUTE");

        serverSends(primary, OK_AFTER_EXECUTE);
        assertEquals(hexOf(OK_AFTER_EXECUTE), hexOf(rig.clientReceived()), "no answer to the long data: the EXECUTE's");
        assertEquals(List.of(), rig.pool(rig.primary).discarded());
    }

    /** COM_STMT_PREPARE of 16 MiB or more whose rest arrives before its leg is ready: all of it goes out. */
    @Test
    void aSixteenMebibytePrepareWhoseRestArrivesBeforeTheLegIsReadyGoesOutWhole() {
        // The statement's text is more than session.max-prepared-statement-bytes allows by default.
        rig = new SessionRig(1, true, new ProxyConfig.SessionLimits(1024, 64 << 20, 64 << 10));
        rig.loginConnection.close(); // the statement needs a new primary connection, which takes a while to log in
        rig.pool(rig.primary).holdNextBorrow();
        byte[] first = firstFrame("\u0016INSERT INTO golden (note) VALUES ('", "x");
        rig.clientSends(first);
        rig.clientSends(REST);
        BackendConnection primary = rig.connection(rig.primary, 1);
        assertEquals(0, serverReceived(primary).length, "nothing goes out before the leg is ready");

        rig.pool(rig.primary).completeHeldBorrow();
        byte[] received = serverReceived(primary);
        assertEquals(first.length + REST.length, received.length, "the first frame and the rest");
        assertArrayEquals(first, Arrays.copyOf(received, first.length));
        assertArrayEquals(REST, Arrays.copyOfRange(received, first.length, received.length));

        // STMT_PREPARE_OK after the client's packets 0 and 1: statement 7, no columns, no parameters.
        serverSends(primary, Wire.packets(2, "00 07000000 0000 0000 00 0000"));
        assertEquals(hexOf(Wire.packets(2, "00 01000000 0000 0000 00 0000")), hexOf(rig.clientReceived()));
        assertEquals(List.of(), rig.pool(rig.primary).discarded());
    }
}

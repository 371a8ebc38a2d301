package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.error.ProxyErrors;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.mysqlproxy.core.session.GoldenResponses.EMPTY_SELECT;
import static io.mysqlproxy.core.session.GoldenResponses.EMPTY_SELECT_EOF_ON;
import static io.mysqlproxy.core.session.GoldenResponses.NO_SUCH_TABLE;
import static io.mysqlproxy.core.session.GoldenResponses.NO_SUCH_TABLE_ERR;
import static io.mysqlproxy.core.session.GoldenResponses.SELECT;
import static io.mysqlproxy.core.session.GoldenResponses.SELECT_EOF_OFF;
import static io.mysqlproxy.core.session.GoldenResponses.SELECT_EOF_ON;
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
 * Commands a client sends without waiting for the answers: one is in flight at a time, the next
 * reaches its backend only once the answer before it is complete, the answers come back in order,
 * and the client is not read while commands wait. A client that pipelines past the limit loses its
 * session, and every frame it queued is released.
 */
class SessionPipeliningTest {

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    @ParameterizedTest(name = "DEPRECATE_EOF {0}")
    @ValueSource(booleans = {true, false})
    void pipelinedCommandsRunOneAfterAnotherAndAreAnsweredInOrder(boolean deprecateEof) {
        rig = new SessionRig(1, deprecateEof);
        byte[] select = query(SELECT);
        byte[] update = query(UPDATE);
        byte[] missing = query(NO_SUCH_TABLE);
        byte[] selectAnswer = deprecateEof ? SELECT_EOF_ON : SELECT_EOF_OFF;

        // Three commands in one read: a read (replica), a write (primary), a read (the same replica).
        rig.clientSends(concat(select, update, missing));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(select), hexOf(serverReceived(replica)), "only the first command went out");
        assertEquals("", hexOf(serverReceived(rig.loginConnection)), "the write waits for the read's answer");
        assertFalse(rig.readingClient(), "the client is not read while commands wait");
        assertEquals("", hexOf(rig.clientReceived()));

        // Part of the answer: the next command still waits.
        serverSends(replica, SELECT_FIRST_THREE);
        assertEquals(hexOf(SELECT_FIRST_THREE), hexOf(rig.clientReceived()));
        assertEquals("", hexOf(serverReceived(rig.loginConnection)), "the read's answer is not complete yet");
        assertFalse(rig.readingClient());

        serverSends(replica, Arrays.copyOfRange(selectAnswer, SELECT_FIRST_THREE.length, selectAnswer.length));
        assertEquals(
                hexOf(Arrays.copyOfRange(selectAnswer, SELECT_FIRST_THREE.length, selectAnswer.length)),
                hexOf(rig.clientReceived()));
        assertEquals(hexOf(update), hexOf(serverReceived(rig.loginConnection)), "the write went out after the read");
        assertEquals("", hexOf(serverReceived(replica)), "the third command waits for the write's answer");
        assertFalse(rig.readingClient(), "one command still waits");

        serverSends(rig.loginConnection, UPDATE_OK);
        assertEquals(hexOf(UPDATE_OK), hexOf(rig.clientReceived()));
        assertEquals(hexOf(missing), hexOf(serverReceived(replica)));
        assertTrue(rig.readingClient(), "nothing waits: the client is read again while the last command runs");

        serverSends(replica, NO_SUCH_TABLE_ERR);
        assertEquals(hexOf(NO_SUCH_TABLE_ERR), hexOf(rig.clientReceived()));
        assertTrue(rig.readingClient());
        assertEquals(1, rig.pool(rig.replica(1)).borrowed().size(), "both reads used the session's replica leg");
    }

    @Test
    void pipeliningPastTheLimitEndsTheSessionAndReleasesEveryQueuedFrame() {
        rig = new SessionRig(1, true);
        List<ByteBuf> sent = new ArrayList<>();
        sent.add(Wire.buf(query(SELECT)));
        // While the SELECT waits for its answer, one frame more than the queue may hold.
        for (int i = 0; i <= PipelinedCommands.LIMIT; i++) {
            sent.add(Wire.buf(Wire.command(Wire.COM_PING, new byte[0])));
        }
        sent.forEach(ByteBuf::retain); // the test's own reference, to see that the session let go of each
        rig.client.writeInbound(sent.toArray());

        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(SELECT)), hexOf(serverReceived(replica)));
        // The error comes where the client expects the SELECT's answer: sequence id 1.
        assertEquals(
                hexOf(Wire.err(
                        1,
                        ProxyErrors.ER_MALFORMED_PACKET,
                        "08S01",
                        "Malformed communication packet: more than 64 pipelined commands")),
                hexOf(rig.clientReceived()));
        rig.client.runPendingTasks();
        assertFalse(rig.client.isActive(), "the session ended");
        for (ByteBuf buf : sent) {
            assertEquals(1, buf.refCnt(), "the session released every frame it had taken");
            buf.release();
        }
        assertEquals(List.of(replica), rig.pool(rig.replica(1)).discarded(), "the replica leg mid-read is closed");
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).discarded());
        assertEquals(List.of(), rig.pool(rig.replica(1)).released());
        assertEquals(List.of(), rig.pool(rig.primary).released());
        assertEquals(0, rig.services.sessions().size(), "the session left the registry");
    }

    /**
     * A frame with a wrong sequence id pipelined behind a command in flight is refused in its turn:
     * the command before it is answered in full first, then error 1156 follows that answer, and the
     * session ends.
     */
    @Test
    void aFrameOutOfSequenceBehindACommandInFlightIsRefusedAfterThatCommandsAnswer() {
        rig = new SessionRig(1, true);
        byte[] select = query(EMPTY_SELECT);
        byte[] outOfSequence = Wire.frame(3, Wire.hex("03 53454c4543542031")); // "SELECT 1" with sequence id 3
        rig.clientSends(concat(select, outOfSequence));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(select), hexOf(serverReceived(replica)));
        assertEquals("", hexOf(rig.clientReceived()), "the error waits for the SELECT's answer");
        assertTrue(rig.client.isActive());

        serverSends(replica, EMPTY_SELECT_EOF_ON);
        // The SELECT's answer is packets 1 to 3: the error is packet 4.
        assertEquals(
                hexOf(concat(
                        EMPTY_SELECT_EOF_ON,
                        Wire.err(
                                4,
                                ProxyErrors.ER_NET_PACKETS_OUT_OF_ORDER,
                                "08S01",
                                "Got packets out of order (expected sequence id 0, got 3)"))),
                hexOf(rig.clientReceived()));
        rig.client.runPendingTasks();
        assertFalse(rig.client.isActive(), "the session ended");
        assertEquals(List.of(replica), rig.pool(rig.replica(1)).discarded());
        assertEquals(List.of(rig.loginConnection), rig.pool(rig.primary).discarded());
        assertEquals("", hexOf(serverReceived(rig.loginConnection)), "the bad frame went nowhere");
    }
}

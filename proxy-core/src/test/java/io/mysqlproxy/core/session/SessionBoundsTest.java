package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.classify.ConnectionIdRewrite;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.wire.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What one session may keep, and what it may send, without hurting anyone else: prepared statements
 * beyond the session's limits get the server's 1461 and go nowhere, a SET log beyond its bytes pins
 * the session instead, a COM_STMT_EXECUTE too short for its parameters gets the server's 1210 with
 * its frame released and no backend connection given up, and KILL forms that name no proxy
 * connection are refused rather than sent to the primary.
 */
class SessionBoundsTest {

    private static final int COM_STMT_PREPARE = 0x16;
    private static final int COM_STMT_CLOSE = 0x19;
    private static final byte[] OK = GoldenResponses.ok(1, ServerStatus.AUTOCOMMIT.mask());
    /** A parameter's definition in a STMT_PREPARE_OK: catalog "def", name "?", VAR_STRING (0xfd), binary. */
    private static final String PARAMETER = "03646566 00 00 00 013f 00 0c 3f00 00000000 fd 8000 00 0000";

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    private static ProxyConfig.SessionLimits limits(int statements, long statementBytes, long setBytes) {
        return new ProxyConfig.SessionLimits(statements, statementBytes, setBytes);
    }

    private static byte[] prepare(String sql) {
        return Wire.command(COM_STMT_PREPARE, sql.getBytes(StandardCharsets.US_ASCII));
    }

    /** The client prepares {@code sql}; the primary answers with its statement 7, no columns or parameters. */
    private void prepared(String sql, int expectedClientId) {
        BackendConnection primary = rig.loginConnection;
        rig.clientSends(prepare(sql));
        assertEquals(hexOf(prepare(sql)), hexOf(serverReceived(primary)));
        serverSends(primary, Wire.packets(1, "00 07000000 0000 0000 00 0000"));
        assertEquals(
                hexOf(Wire.packets(1, String.format("00 %02x000000 0000 0000 00 0000", expectedClientId))),
                hexOf(rig.clientReceived()));
    }

    private void refusedWith1461(byte[] command, int limit) {
        rig.clientSends(command);
        assertEquals(
                hexOf(Wire.err(
                        1,
                        1461,
                        "42000",
                        "Can't create more than max_prepared_stmt_count statements (current value: " + limit + ")")),
                hexOf(rig.clientReceived()));
        assertEquals(0, serverReceived(rig.loginConnection).length, "nothing reaches a server");
    }

    @Test
    void aPrepareBeyondTheStatementLimitGets1461AndTheSessionGoesOn() {
        rig = new SessionRig(0, true, limits(2, 1 << 20, 64 << 10));
        prepared("SELECT 1", 1);
        prepared("SELECT 2", 2);
        refusedWith1461(prepare("SELECT 3"), 2);

        // Closing a statement makes room again (COM_STMT_CLOSE goes to the server, unanswered).
        rig.clientSends(Wire.command(COM_STMT_CLOSE, new byte[] {1, 0, 0, 0}));
        assertEquals(hexOf(Wire.packets(0, "19 07000000")), hexOf(serverReceived(rig.loginConnection)));
        prepared("SELECT 3", 3);
        assertEquals(List.of(), rig.pool(rig.primary).discarded());
    }

    @Test
    void aPrepareBeyondTheTextLimitGets1461() {
        rig = new SessionRig(0, true, limits(100, 1024, 64 << 10));
        String big = "SELECT '" + "x".repeat(1000) + "'";
        prepared(big, 1);
        refusedWith1461(prepare("SELECT 1 FROM DUAL WHERE 1 = 1"), 100);
        prepared("SELECT 1", 2);
    }

    /** SET @a = 'xxx…' of about {@code bytes} bytes, a constant the replay log keeps. */
    private static String set(char name, int bytes) {
        return "SET @" + name + " = '" + "x".repeat(bytes) + "'";
    }

    /** Two SETs of 600 bytes on the primary, then a plain read: where does the read go? */
    private void twoSetsThenARead(ProxyConfig.SessionLimits limits) {
        rig = new SessionRig(1, true, limits);
        BackendConnection primary = rig.loginConnection;
        for (char name : new char[] {'a', 'b'}) {
            // A SET goes to the primary, where the session already is.
            rig.clientSends(query(set(name, 600)));
            assertEquals(hexOf(query(set(name, 600))), hexOf(serverReceived(primary)));
            serverSends(primary, OK);
            assertEquals(hexOf(OK), hexOf(rig.clientReceived()));
        }
        rig.clientSends(query("SELECT 1"));
    }

    @Test
    void aSetLogBeyondItsBytesPinsTheSessionToThePrimary() {
        twoSetsThenARead(limits(1024, 1 << 20, 1024));
        BackendConnection primary = rig.loginConnection;
        assertEquals(hexOf(query("SELECT 1")), hexOf(serverReceived(primary)), "the read stays on the primary");
        assertEquals(List.of(), rig.pool(rig.replica(1)).borrowed());
        serverSends(primary, OK);
        assertEquals(hexOf(OK), hexOf(rig.clientReceived()));
    }

    /** The control: within the limit, the read goes to the replica, which first gets both SETs. */
    @Test
    void aSetLogWithinItsBytesLeavesReadsToReplicas() {
        twoSetsThenARead(limits(1024, 1 << 20, 64 << 10));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(set('a', 600))), hexOf(serverReceived(replica)));
        serverSends(replica, OK);
        assertEquals(hexOf(query(set('b', 600))), hexOf(serverReceived(replica)));
        serverSends(replica, OK);
        assertEquals(hexOf(query("SELECT 1")), hexOf(serverReceived(replica)));
        serverSends(replica, OK);
        assertEquals(hexOf(OK), hexOf(rig.clientReceived()));
    }

    @Test
    void anExecuteTooShortForItsParametersGets1210AndKeepsTheBackend() {
        rig = new SessionRig(0, true);
        BackendConnection primary = rig.loginConnection;
        byte[] prepareOne = prepare("SELECT ?");
        rig.clientSends(prepareOne);
        assertEquals(hexOf(prepareOne), hexOf(serverReceived(primary)));
        serverSends(primary, Wire.packets(1, "00 07000000 0000 0100 00 0000", 2, PARAMETER));
        assertEquals(
                hexOf(Wire.packets(1, "00 01000000 0000 0100 00 0000", 2, PARAMETER)), hexOf(rig.clientReceived()));

        byte[] error = Wire.err(1, 1210, "HY000", "Incorrect arguments to mysqld_stmt_execute");
        // No NULL bitmap; then types announced but cut short.
        for (String execute : new String[] {"17 01000000 00 01000000", "17 01000000 00 01000000 00 01 fd"}) {
            rig.clientSends(Wire.packets(0, execute));
            assertEquals(hexOf(error), hexOf(rig.clientReceived()), execute);
            assertEquals(0, serverReceived(primary).length, execute);
        }

        // The session and its connection go on: a whole execution reaches the server, renumbered.
        rig.clientSends(Wire.packets(0, "17 01000000 00 01000000 00 01 fd00 0161"));
        assertEquals(hexOf(Wire.packets(0, "17 07000000 00 01000000 00 01 fd00 0161")), hexOf(serverReceived(primary)));
        serverSends(primary, OK);
        assertEquals(hexOf(OK), hexOf(rig.clientReceived()));
        assertEquals(List.of(), rig.pool(rig.primary).discarded());
    }

    /**
     * A rewrite that would make the payload (command byte and text) exactly 16 MiB - 1 bytes, the size that
     * says another frame follows, is not made: the statement goes as the client sent it.
     */
    @Test
    void aRewriteThatWouldFillAWholeFrameIsLeftUndone() {
        rig = new SessionRig(0, true);
        String head = "SELECT CONNECTION_ID() /*";
        String rewrittenHead = "SELECT " + SessionRig.CONNECTION_ID + " AS `CONNECTION_ID()` /*";
        String padding = "x".repeat(Packets.MAX_PAYLOAD - 1 - rewrittenHead.length() - 2);
        String sql = head + padding + "*/";
        byte[] rewritten =
                ConnectionIdRewrite.rewrite(sql.getBytes(StandardCharsets.US_ASCII), SessionRig.CONNECTION_ID);
        assertEquals(
                Packets.MAX_PAYLOAD - 1,
                rewritten.length,
                "the rewritten text fills the frame but for the command byte");

        rig.clientSends(query(sql));
        assertArrayEquals(query(sql), serverReceived(rig.loginConnection), "the text as the client sent it");
        serverSends(rig.loginConnection, OK);
        assertEquals(hexOf(OK), hexOf(rig.clientReceived()));
    }

    @Test
    void killFormsThatNameNoProxyConnectionAreRefused() {
        rig = new SessionRig(0, true);
        byte[] refusal = Wire.err(
                1,
                ProxyErrors.ER_NOT_SUPPORTED_YET,
                "42000",
                "This version of MySQL doesn't yet support '" + CommandIntake.UNMAPPED_KILL + "'");
        for (String kill : new String[] {"KILL (5)", "KILL USER app", "KILL QUERY ID 5", "KILL CONNECTION @id"}) {
            rig.clientSends(query(kill));
            assertEquals(hexOf(refusal), hexOf(rig.clientReceived()), kill);
        }
        rig.clientSends(prepare("KILL ?"));
        assertEquals(hexOf(refusal), hexOf(rig.clientReceived()), "a prepared KILL");
        byte[] inMulti = Wire.err(
                1,
                ProxyErrors.ER_NOT_SUPPORTED_YET,
                "42000",
                "This version of MySQL doesn't yet support '" + CommandIntake.KILL_IN_MULTI + "'");
        for (String multi : new String[] {
            "SELECT 1; KILL QUERY 7",
            "kill 5; kill 6",
            "kill 5; select 1; kill 6",
            "KILL 5; LOAD DATA LOCAL INFILE 'f' INTO TABLE t"
        }) {
            rig.clientSends(query(multi));
            assertEquals(hexOf(inMulti), hexOf(rig.clientReceived()), multi);
        }
        rig.clientSends(query("KILL USER app; SELECT 1"));
        assertEquals(hexOf(refusal), hexOf(rig.clientReceived()), "an unmapped KILL first in a multi-statement");
        // The KILL of a multi-statement is the proxy's, like a KILL alone; it fails, so the rest never runs.
        rig.clientSends(query("kill 5; select sleep(0.05)"));
        assertEquals(
                hexOf(Wire.err(1, ProxyErrors.ER_NO_SUCH_THREAD, "HY000", "Unknown thread id: 5")),
                hexOf(rig.clientReceived()));
        assertEquals(0, serverReceived(rig.loginConnection).length, "nothing reaches the primary");
    }

    /**
     * A malformed COM_CHANGE_USER pipelined behind a statement is taken up when the statement's answer
     * arrives, on the backend's turn: its error is the client's (1835, the session ends), never the
     * backend's (it used to surface in the backend's pipeline, and the client got 1158 for a lost server).
     */
    @Test
    void aMalformedChangeUserTakenUpOnTheBackendsTurnIsTheClientsError() {
        rig = new SessionRig(0, true);
        BackendConnection primary = rig.loginConnection;
        rig.clientSends(query("SELECT 1"), Wire.command(0x11, "abc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(hexOf(query("SELECT 1")), hexOf(serverReceived(primary)));
        serverSends(primary, OK);
        assertEquals(
                hexOf(Wire.concat(
                        OK,
                        Wire.err(
                                1,
                                ProxyErrors.ER_MALFORMED_PACKET,
                                "08S01",
                                "Malformed communication packet: NUL-terminated string has no terminator"))),
                hexOf(rig.clientReceived()));
    }
}

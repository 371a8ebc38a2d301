package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.flag.ServerStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A KILL that begins a multi-statement is the proxy's to answer, as when it comes alone: its OK says more
 * results follow, the server gets only the statements after it, and the server's answer reaches the
 * client numbered on after the proxy's OK.
 */
class SessionMultiStatementKillTest {

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    @Test
    void theRestGoesToTheServerAndItsAnswerFollowsTheKillsOk() {
        rig = new SessionRig(0, true);
        BackendConnection primary = rig.loginConnection;
        // The session's own id: KILL QUERY of an idle session succeeds and changes nothing.
        rig.clientSends(query("KILL QUERY " + SessionRig.CONNECTION_ID + ";  " + GoldenResponses.SELECT));
        rig.client.runPendingTasks();

        assertEquals(hexOf(query(" " + " " + GoldenResponses.SELECT)), hexOf(serverReceived(primary)));
        int more = ServerStatus.AUTOCOMMIT.mask() | ServerStatus.MORE_RESULTS_EXISTS.mask();
        assertEquals(hexOf(GoldenResponses.ok(1, more)), hexOf(rig.clientReceived()), "the KILL's OK, first");

        serverSends(primary, GoldenResponses.SELECT_EOF_ON);
        assertEquals(hexOf(renumbered(GoldenResponses.SELECT_EOF_ON, 1)), hexOf(rig.clientReceived()));

        // The next command is numbered as the server numbers it again.
        rig.clientSends(query("SELECT 1"));
        assertEquals(hexOf(query("SELECT 1")), hexOf(serverReceived(primary)));
        serverSends(primary, GoldenResponses.SELECT_EOF_ON);
        assertEquals(hexOf(GoldenResponses.SELECT_EOF_ON), hexOf(rig.clientReceived()));
    }

    @Test
    void withMultiStatementsTurnedOffTheTextIsRefusedAndNothingRuns() {
        rig = new SessionRig(0, true);
        BackendConnection primary = rig.loginConnection;
        int autocommit = ServerStatus.AUTOCOMMIT.mask();
        // MYSQL_OPTION_MULTI_STATEMENTS_OFF, as a client turns them off after logging in with them.
        rig.clientSends(Wire.command(CommandType.SET_OPTION.code(), Wire.hex("0100")));
        serverReceived(primary);
        serverSends(primary, GoldenResponses.ok(1, autocommit));
        rig.clientReceived();

        // A server would answer 1064 and run nothing; the KILL must not run on its own either.
        rig.clientSends(query("KILL QUERY " + SessionRig.CONNECTION_ID + "; DROP TABLE t"));
        rig.client.runPendingTasks();
        byte[] refusal = Wire.err(
                1,
                ProxyErrors.ER_NOT_SUPPORTED_YET,
                "42000",
                "This version of MySQL doesn't yet support '" + CommandIntake.KILL_WITHOUT_MULTI + "'");
        assertEquals(hexOf(refusal), hexOf(rig.clientReceived()));
        assertEquals(0, serverReceived(primary).length, "nothing reaches the server");

        // MYSQL_OPTION_MULTI_STATEMENTS_ON: the leading KILL is the proxy's again.
        rig.clientSends(Wire.command(CommandType.SET_OPTION.code(), Wire.hex("0000")));
        serverReceived(primary);
        serverSends(primary, GoldenResponses.ok(1, autocommit));
        rig.clientReceived();
        rig.clientSends(query("KILL QUERY " + SessionRig.CONNECTION_ID + "; " + GoldenResponses.SELECT));
        rig.client.runPendingTasks();
        assertEquals(hexOf(query(" " + GoldenResponses.SELECT)), hexOf(serverReceived(primary)));
        serverSends(primary, GoldenResponses.SELECT_EOF_ON);
        rig.clientReceived();
    }

    /** {@code packets} with each sequence id {@code shift} higher. */
    private static byte[] renumbered(byte[] packets, int shift) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int p = 0;
        while (p < packets.length) {
            int length = (packets[p] & 0xff) | (packets[p + 1] & 0xff) << 8 | (packets[p + 2] & 0xff) << 16;
            byte[] packet = java.util.Arrays.copyOfRange(packets, p, p + 4 + length);
            packet[3] = (byte) (packet[3] + shift);
            out.writeBytes(packet);
            p += 4 + length;
        }
        return out.toByteArray();
    }
}

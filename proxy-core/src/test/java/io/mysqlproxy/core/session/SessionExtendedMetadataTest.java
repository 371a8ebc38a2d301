package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.protocol.flag.MariaDbCapability;
import io.mysqlproxy.protocol.flag.ServerStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.mysqlproxy.core.session.GoldenResponses.SELECT;
import static io.mysqlproxy.core.session.GoldenResponses.SELECT_EOF_ON;
import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A client that negotiated MariaDB's extended column metadata: the result sets the proxy writes
 * itself carry the extra field in every column definition (and only then), and every backend
 * connection the session borrows, after a change of user too, is logged in with the same choice.
 */
class SessionExtendedMetadataTest {

    private static final int EXTENDED_METADATA = MariaDbCapability.EXTENDED_METADATA.mask();

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    @ParameterizedTest(name = "extended metadata {0}")
    @ValueSource(booleans = {true, false})
    void theProxysOwnColumnDefinitionsCarryTheExtendedTypeInfoIffNegotiated(boolean extended) {
        rig = new SessionRig(0, true, Consistency.EVENTUAL, extended ? EXTENDED_METADATA : 0);
        rig.services.makeAdmin(SessionRig.USER);
        rig.clientSends(query("SHOW PROXY STATS"));

        List<String> packets = payloads(rig.clientReceived());
        String noInfo = extended ? "00" : ""; // the empty extended type information
        assertEquals("02", packets.get(0), "two columns");
        assertEquals(
                hex("03646566 00 00 00 046e616d65 046e616d65" + noInfo + "0c 2d00 00100000 fd 0000 00 0000"),
                packets.get(1),
                "name: def, no schema or tables, VAR_STRING utf8mb4");
        assertEquals(
                hex("03646566 00 00 00 0576616c7565 0576616c7565" + noInfo + "0c 3f00 14000000 08 8000 00 0000"),
                packets.get(2),
                "value: BIGINT, binary");
        assertEquals("fe", packets.get(packets.size() - 1).substring(0, 2), "the rows end with an OK (0xFE)");
    }

    @Test
    void everyBackendConnectionOfTheSessionIsLoggedInWithTheClientsChoice() {
        rig = new SessionRig(1, true, Consistency.EVENTUAL, EXTENDED_METADATA);
        assertEquals(EXTENDED_METADATA, rig.loginConnection.login().clientMariaDbCapabilities());

        rig.clientSends(query(SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(SELECT)), hexOf(serverReceived(replica)));
        assertEquals(
                EXTENDED_METADATA,
                rig.pool(rig.replica(1)).logins().get(0).clientMariaDbCapabilities(),
                "the replica leg is borrowed for a client with extended metadata");
        serverSends(replica, SELECT_EOF_ON);
        assertEquals(hexOf(SELECT_EOF_ON), hexOf(rig.clientReceived()), "relayed as the server sent it");
    }

    /** COM_CHANGE_USER keeps the connection's capabilities: the new user's backend session is asked for the same. */
    @Test
    void aChangeOfUserKeepsTheClientsChoice() {
        rig = new SessionRig(0, true, Consistency.EVENTUAL, EXTENDED_METADATA);
        rig.services.addUser("reporting", "r-pass");
        rig.clientChangesUser("reporting", "r-pass");

        assertEquals(hexOf(GoldenResponses.ok(1, ServerStatus.AUTOCOMMIT.mask())), hexOf(rig.clientReceived()));
        BackendLogin reporting = rig.pool(rig.primary).logins().get(1);
        assertEquals("reporting", reporting.user());
        assertEquals(EXTENDED_METADATA, reporting.clientMariaDbCapabilities());
    }

    /** The payloads of consecutive frames, as hex. */
    private static List<String> payloads(byte[] frames) {
        List<String> payloads = new ArrayList<>();
        int at = 0;
        while (at < frames.length) {
            int length = (frames[at] & 0xff) | (frames[at + 1] & 0xff) << 8 | (frames[at + 2] & 0xff) << 16;
            payloads.add(hexOf(Arrays.copyOfRange(frames, at + 4, at + 4 + length)));
            at += 4 + length;
        }
        return payloads;
    }

    private static String hex(String annotated) {
        return annotated.replace(" ", "");
    }
}

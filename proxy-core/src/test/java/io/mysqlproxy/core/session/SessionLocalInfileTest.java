package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.mysqlproxy.core.session.GoldenResponses.LOAD_DATA;
import static io.mysqlproxy.core.session.GoldenResponses.LOCAL_INFILE_OK;
import static io.mysqlproxy.core.session.GoldenResponses.LOCAL_INFILE_REQUEST;
import static io.mysqlproxy.core.session.GoldenResponses.LOCAL_INFILE_UPLOAD;
import static io.mysqlproxy.core.session.GoldenResponses.UPDATE;
import static io.mysqlproxy.core.session.GoldenResponses.UPDATE_OK;
import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LOAD DATA LOCAL INFILE through the session, as MariaDB answered it: the server asks for the
 * client's file (0xfb), the client's packets go to the same leg as they are until the empty one, and
 * the server's OK comes back; then the client's frames are commands again.
 */
class SessionLocalInfileTest {

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    @Test
    void anUploadGoesToTheLegThatAskedForItUntilTheEmptyPacket() {
        rig = new SessionRig(1, true);
        BackendConnection primary = rig.loginConnection;
        rig.clientSends(query(LOAD_DATA));
        assertEquals(hexOf(query(LOAD_DATA)), hexOf(serverReceived(primary)), "LOAD DATA is a write: the primary");

        serverSends(primary, LOCAL_INFILE_REQUEST);
        assertEquals(hexOf(LOCAL_INFILE_REQUEST), hexOf(rig.clientReceived()));
        assertTrue(rig.readingClient(), "the client is read for its upload");

        rig.clientSends(LOCAL_INFILE_UPLOAD);
        assertEquals(hexOf(LOCAL_INFILE_UPLOAD), hexOf(serverReceived(primary)), "the data, then the empty packet");
        serverSends(primary, LOCAL_INFILE_OK);
        assertEquals(hexOf(LOCAL_INFILE_OK), hexOf(rig.clientReceived()));

        // The upload is over: the next frame is a command, not more data.
        rig.clientSends(query(UPDATE));
        assertEquals(hexOf(query(UPDATE)), hexOf(serverReceived(primary)));
        serverSends(primary, UPDATE_OK);
        assertEquals(hexOf(UPDATE_OK), hexOf(rig.clientReceived()));
        assertEquals(List.of(), rig.pool(rig.replica(1)).borrowed(), "no replica took part");
    }
}

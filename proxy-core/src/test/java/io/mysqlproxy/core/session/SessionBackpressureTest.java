package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.mysqlproxy.core.session.GoldenResponses.LOAD_DATA;
import static io.mysqlproxy.core.session.GoldenResponses.LOCAL_INFILE_OK;
import static io.mysqlproxy.core.session.GoldenResponses.LOCAL_INFILE_REQUEST;
import static io.mysqlproxy.core.session.GoldenResponses.SELECT;
import static io.mysqlproxy.core.session.GoldenResponses.SELECT_EOF_ON;
import static io.mysqlproxy.core.session.SessionRig.channel;
import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.frame;
import static io.mysqlproxy.core.session.Wire.hex;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flow control both ways. A client that stops reading makes the proxy stop reading its backends,
 * so a result set waits in the server rather than in the proxy; they are read again once the client
 * drains. A backend that cannot take an upload as fast as the client sends it makes the proxy stop
 * reading the client until it can.
 */
class SessionBackpressureTest {

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    @Test
    void aClientThatCannotTakeMoreStopsTheBackendsBeingReadUntilItDrains() {
        rig = new SessionRig(1, true);
        rig.clientSends(query(SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(SELECT)), hexOf(serverReceived(replica)));
        assertTrue(channel(replica).config().isAutoRead());

        rig.clientStalls(8, 16);
        serverSends(replica, SELECT_EOF_ON);
        assertFalse(rig.client.isWritable(), "the result set waits in the client channel's buffer");
        assertFalse(channel(replica).config().isAutoRead(), "the replica is not read while the client is behind");
        assertFalse(channel(rig.loginConnection).config().isAutoRead(), "nor is any other leg of the session");
        assertEquals("", hexOf(rig.clientReceived()));

        rig.clientCatchesUp();
        assertTrue(rig.client.isWritable());
        assertTrue(channel(replica).config().isAutoRead(), "the client drained: the replica is read again");
        assertTrue(channel(rig.loginConnection).config().isAutoRead());
        assertEquals(hexOf(SELECT_EOF_ON), hexOf(rig.clientReceived()));
    }

    @Test
    void aBackendThatCannotTakeMoreOfAnUploadStopsTheClientBeingRead() {
        rig = new SessionRig(0, true);
        BackendConnection primary = rig.loginConnection;
        rig.clientSends(query(LOAD_DATA));
        assertEquals(hexOf(query(LOAD_DATA)), hexOf(serverReceived(primary)));
        serverSends(primary, LOCAL_INFILE_REQUEST);
        assertEquals(hexOf(LOCAL_INFILE_REQUEST), hexOf(rig.clientReceived()));

        FlushGate server = FlushGate.install(channel(primary));
        server.close(8, 16);
        byte[] data = frame(2, hex("31302c74656e0a31312c656c6576656e0a")); // "10,ten\n11,eleven\n"
        rig.clientSends(data);
        assertFalse(primary.isWritable(), "the upload waits in the primary channel's buffer");
        assertFalse(rig.readingClient(), "the client is not read while its backend is behind");

        server.open();
        assertTrue(rig.readingClient(), "the backend drained: the client is read again");
        assertEquals(hexOf(data), hexOf(serverReceived(primary)));
        byte[] end = frame(3, new byte[0]);
        rig.clientSends(end);
        assertEquals(hexOf(end), hexOf(serverReceived(primary)));
        serverSends(primary, LOCAL_INFILE_OK);
        assertEquals(hexOf(LOCAL_INFILE_OK), hexOf(rig.clientReceived()));
    }
}

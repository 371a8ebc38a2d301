package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.config.Consistency;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.mysqlproxy.core.session.GoldenResponses.EMPTY_SELECT;
import static io.mysqlproxy.core.session.GoldenResponses.EMPTY_SELECT_EOF_ON;
import static io.mysqlproxy.core.session.SessionLegFailureTest.statValue;
import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.SessionRig.serverSends;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static io.mysqlproxy.core.session.Wire.packets;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Global consistency in a session against embedded backends: each read learns the primary's position
 * (the test's services answer lookups at once) and its replica waits for it, unless the replica was
 * seen at that position already; a lookup that fails or a replica that does not catch up sends the read
 * to the primary, as consistency_fallback.
 */
class SessionGlobalConsistencyTest {

    private static final String WAIT_FOR_5 = "SELECT MASTER_GTID_WAIT('0-1-5', 1.000)";
    /** A one-column result of one row, {@code value}, with CLIENT_DEPRECATE_EOF. */
    private static final byte[] WAITED = packets(
            1,
            "01",
            2,
            "03646566 00 00 00 01 30 00 0c 3f00 01000000 08 8100 00 0000",
            3,
            "0130", // "0": the replica reached the position
            4,
            "fe 00 00 0200 0000");

    private static final byte[] TIMED_OUT = packets(
            1,
            "01",
            2,
            "03646566 00 00 00 01 30 00 0c 3f00 01000000 08 8100 00 0000",
            3,
            "022d31", // "-1": the wait timed out
            4,
            "fe 00 00 0200 0000");

    private SessionRig rig;

    @AfterEach
    void finish() {
        rig.finish();
    }

    @Test
    void aReadWaitsOnItsReplicaForThePrimarysPositionThenRunsThere() {
        rig = new SessionRig(1, true, Consistency.GLOBAL);
        rig.services.primaryPosition("0-1-5");

        rig.clientSends(query(EMPTY_SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(WAIT_FOR_5)), hexOf(serverReceived(replica)), "the replica waits for the position");
        assertEquals("", hexOf(rig.clientReceived()));
        serverSends(replica, WAITED);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(replica)));
        serverSends(replica, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));

        // The replica was seen at this position: while the primary has nothing newer, no wait.
        rig.clientSends(query(EMPTY_SELECT));
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(replica)));
        serverSends(replica, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));

        // A commit on the primary by anyone: the next read waits for it.
        rig.services.primaryPosition("0-1-6");
        rig.clientSends(query(EMPTY_SELECT));
        assertEquals(hexOf(query("SELECT MASTER_GTID_WAIT('0-1-6', 1.000)")), hexOf(serverReceived(replica)));
        serverSends(replica, WAITED);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(replica)));
        serverSends(replica, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));

        assertEquals(3, statValue(rig, "routing_decisions.consistency_global"));
        assertEquals(0, statValue(rig, "routing_decisions.consistency_fallback"));
        assertEquals(3, statValue(rig, "global_position_lookups"));
        assertEquals(2, statValue(rig, "global_consistency_waits"));
        assertEquals("", hexOf(serverReceived(rig.loginConnection)), "nothing went to the primary's session");
    }

    @Test
    void aReplicaThatDoesNotCatchUpInTimeLeavesTheReadToThePrimary() {
        rig = new SessionRig(1, true, Consistency.GLOBAL);
        rig.services.primaryPosition("0-1-5");

        rig.clientSends(query(EMPTY_SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(WAIT_FOR_5)), hexOf(serverReceived(replica)));
        serverSends(replica, TIMED_OUT);
        assertEquals("", hexOf(serverReceived(replica)), "the read does not go to the stale replica");
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(rig.loginConnection)));
        serverSends(rig.loginConnection, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));

        assertEquals(1, statValue(rig, "routing_decisions.consistency_fallback"));
        assertEquals(1, statValue(rig, "global_consistency_fallbacks"));
    }

    @Test
    void aFailedLookupLeavesTheReadToThePrimaryAndTheNextReadTriesTheReplicaAgain() {
        rig = new SessionRig(1, true, Consistency.GLOBAL);
        rig.services.primaryPosition(null);

        rig.clientSends(query(EMPTY_SELECT));
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(rig.loginConnection)));
        serverSends(rig.loginConnection, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));
        assertEquals(1, statValue(rig, "global_position_lookup_failures"));
        assertEquals(1, statValue(rig, "routing_decisions.consistency_fallback"));

        // The replica was not to blame (no cooldown): once the primary answers, reads go there again.
        rig.services.primaryPosition("0-1-5");
        rig.clientSends(query(EMPTY_SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(WAIT_FOR_5)), hexOf(serverReceived(replica)));
        serverSends(replica, WAITED);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(replica)));
        serverSends(replica, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));
    }

    @Test
    void anEmptyPrimaryPositionNeedsNoWait() {
        rig = new SessionRig(1, true, Consistency.GLOBAL);
        rig.services.primaryPosition("");

        rig.clientSends(query(EMPTY_SELECT));
        BackendConnection replica = rig.connection(rig.replica(1), 0);
        assertEquals(hexOf(query(EMPTY_SELECT)), hexOf(serverReceived(replica)));
        serverSends(replica, EMPTY_SELECT_EOF_ON);
        assertEquals(hexOf(EMPTY_SELECT_EOF_ON), hexOf(rig.clientReceived()));
        assertEquals(0, statValue(rig, "global_consistency_waits"));
    }
}

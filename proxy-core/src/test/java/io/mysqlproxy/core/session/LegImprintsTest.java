package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.ConnectionImprint;
import io.mysqlproxy.core.backend.EmbeddedBackends;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a connection's imprint means to the session that borrows it: its own connection back is in step
 * as it left it, another session's is taken up where that one's SET log is a prefix of its own (leftover
 * prepared statements closed), anything else is reset first; and which idle connection it ranks first.
 */
class LegImprintsTest {

    private static final Backend PRIMARY = new Backend(new HostPort("primary", 3306), BackendRole.PRIMARY, "p");
    private static final BackendLogin LOGIN = new BackendLogin(
            "app", "pw", AuthPlugin.MYSQL_NATIVE_PASSWORD, Capability.PROTOCOL_41.mask(), 0, 45, "app", null);

    private final FakeConnectionPool pool = new FakeConnectionPool(PRIMARY, true);
    private final List<BackendConnection> connections = new ArrayList<>();

    private final Session one = new Session();
    private final Session two = new Session();

    @AfterEach
    void close() {
        for (BackendConnection connection : connections) {
            serverReceived(connection);
            SessionRig.channel(connection).finishAndReleaseAll();
        }
    }

    @Test
    void aCleanConnectionIsReachableAndStartsAtTheBeginningOfTheLog() {
        BackendConnection connection = connection();
        assertEquals(LegImprints.IN_STEP_REACH, one.imprints.rank(connection));
        Leg leg = one.arrive(connection);
        assertEquals(0, leg.appliedVersion());
        assertFalse(leg.needsReset());
    }

    @Test
    void itsOwnConnectionBackRanksFirstAndIsInStepAsItLeft() {
        one.set("SET sql_mode = 'ANSI'");
        one.set("SET @x = 1");
        BackendConnection connection = connection();
        Leg leg = one.arrive(connection);
        leg.appliedVersion(one.state.version());
        leg.insertId(77);
        connection.imprint(one.imprints.leaving(leg));

        assertEquals(LegImprints.OWN, one.imprints.rank(connection));
        one.set("SET @y = 2");
        Leg again = one.arrive(connection);
        assertNull(connection.imprint(), "the session has the connection now");
        assertEquals(one.state.version() - 1, again.appliedVersion(), "only the SET run since is missing");
        assertEquals(77, again.insertId());
        assertFalse(again.needsReset());
    }

    @Test
    void anotherSessionsConnectionIsTakenUpWhereItsLogIsAPrefixAndItsStatementsAreClosed() {
        one.set("SET NAMES utf8mb4");
        two.set("SET NAMES utf8mb4");
        two.set("SET sql_mode = 'ANSI'");
        BackendConnection connection = connection();
        connection.imprint(new ConnectionImprint(
                "another session", List.of(bytes("SET NAMES utf8mb4")), 5, new int[] {0x0102}, null));

        assertEquals(LegImprints.IN_STEP_REACH, two.imprints.rank(connection));
        Leg leg = two.arrive(connection);
        assertEquals(two.state.entries().get(0).version(), leg.appliedVersion());
        assertEquals(5, leg.insertId(), "what LAST_INSERT_ID() returns there; LegSync sets the session's");
        assertFalse(leg.needsReset());
        // COM_STMT_CLOSE (0x19) of statement 0x0102, which has no answer: it goes out with the next command.
        connection.flush();
        assertEquals(hexOf(Wire.frame(0, Wire.hex("19 02010000"))), hexOf(serverReceived(connection)));
    }

    @Test
    void anotherSessionsConnectionWithAnotherCollationReplaysTheWholeLogAfterTheCollation() {
        two.set("SET NAMES latin1");
        BackendConnection connection = connection();
        connection.collation(8);
        connection.imprint(
                new ConnectionImprint("another session", List.of(bytes("SET NAMES latin1")), 0, new int[0], null));

        assertEquals(LegImprints.IN_STEP_REACH, two.imprints.rank(connection));
        Leg leg = two.arrive(connection);
        assertEquals(0, leg.appliedVersion(), "the collation statement undoes SET NAMES: it runs again after it");
        assertFalse(leg.needsReset());
    }

    @Test
    void aConnectionThatRanSetsThisSessionHasNotIsReset() {
        one.set("SET sql_mode = 'ANSI'");
        BackendConnection connection = connection();
        connection.imprint(new ConnectionImprint(
                "another session", List.of(bytes("SET sql_mode = 'TRADITIONAL'")), 0, new int[] {9}, null));

        assertEquals(LegImprints.RESET, one.imprints.rank(connection));
        Leg leg = one.arrive(connection);
        assertTrue(leg.needsReset());
        assertEquals("", hexOf(serverReceived(connection)), "the reset drops its statements: nothing to close");
    }

    @Test
    void aLegBehindTheLogLeavesWithoutAnImprintToBeReset() {
        one.set("SET @a = 1");
        one.set("SET @b = 2");
        BackendConnection connection = connection();
        Leg leg = one.arrive(connection);
        leg.appliedVersion(one.state.version());
        one.set("SET @a = 1"); // moves to the end: the log no longer says the connection ran it
        assertNull(one.imprints.leaving(leg), "an imprint of [SET @b = 2] would hide @a on the connection");
        leg.appliedVersion(one.state.version());
        assertEquals(2, one.imprints.leaving(leg).sets().size());
    }

    @Test
    void aLongerLogThanTheSessionsIsNoPrefix() {
        BackendConnection connection = connection();
        connection.imprint(new ConnectionImprint("another session", List.of(bytes("SET @a = 1")), 0, new int[0], null));
        assertEquals(LegImprints.RESET, one.imprints.rank(connection));
    }

    private BackendConnection connection() {
        BackendConnection connection =
                EmbeddedBackends.connection("primary:3306", 100 + connections.size(), LOGIN, true);
        connections.add(connection);
        return connection;
    }

    private static byte[] bytes(String sql) {
        return sql.getBytes(StandardCharsets.UTF_8);
    }

    /** One session's state, statements and imprints. */
    private final class Session {
        final SessionState state = new SessionState("app", 45, Consistency.EVENTUAL, 1 << 16);
        final PreparedStatements statements = new PreparedStatements(16, 1 << 16);
        final LegImprints imprints = new LegImprints(() -> state, statements);

        void set(String sql) {
            assertTrue(state.record(bytes(sql)));
        }

        Leg arrive(BackendConnection connection) {
            Leg leg = new Leg(PRIMARY, pool, connection, new IgnoringLegOwner());
            imprints.arriving(leg);
            return leg;
        }
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.EmbeddedBackends;
import io.mysqlproxy.core.backend.PreparedStatementCache;
import io.mysqlproxy.core.classify.StatementClassifier;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.route.Pin;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.Wire.hexOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two sessions taking turns on one connection under transaction multiplexing, with its prepared-statement
 * cache: a statement one prepared is bound by the other with no prepare and closed by neither; a statement
 * under other SETs, of a pinned session, or that opened a cursor is not shared.
 */
class SharedStatementsTest {

    private static final Backend PRIMARY = new Backend(new HostPort("primary", 3306), BackendRole.PRIMARY, "p");
    private static final BackendLogin LOGIN = new BackendLogin(
            "app", "pw", AuthPlugin.MYSQL_NATIVE_PASSWORD, Capability.PROTOCOL_41.mask(), 0, 45, "app", null);
    private static final String SELECT = "SELECT v FROM t WHERE id = ?";
    /** COM_STMT_CLOSE (0x19) of statement 7, as it goes to the server. */
    private static final String CLOSE_7 = "05 00 00 00 19 07 00 00 00".replace(" ", "");

    private final FakeConnectionPool pool = new FakeConnectionPool(PRIMARY, true);
    private final BackendConnection connection = EmbeddedBackends.connection("primary:3306", 100, LOGIN, true);
    private final BackendConnection elsewhere = EmbeddedBackends.connection("primary:3306", 101, LOGIN, true);
    private final Session one = new Session(64);
    private final Session two = new Session(64);

    @AfterEach
    void close() {
        for (BackendConnection used : List.of(connection, elsewhere)) {
            serverReceived(used);
            SessionRig.channel(used).finishAndReleaseAll();
        }
    }

    @Test
    void anotherSessionBindsTheStatementTheConnectionKeepsAndNeitherClosesIt() {
        Leg leg = one.arrive();
        PreparedStatement mine = one.prepare(leg, SELECT, 7);
        assertTrue(one.sharing.kept(leg, 7), "the client's own prepare is kept for others");
        one.leave(leg);
        assertEquals(0, connection.imprint().preparedIds().length, "the cache keeps 7: nothing for the next to close");

        PreparedStatement theirs = two.preparedElsewhere(SELECT);
        Leg taken = two.arrive();
        assertTrue(two.sharing.adopt(theirs, taken));
        assertEquals(7, theirs.backendId(taken), "bound with no COM_STMT_PREPARE");
        assertTrue(two.sharing.letGo(theirs, taken, 7), "its client's COM_STMT_CLOSE is not sent on");
        assertEquals("", hexOf(serverReceived(connection)), "no COM_STMT_CLOSE went out");

        two.leave(taken);
        Leg back = one.arrive();
        assertTrue(one.sharing.adopt(mine, back), "still there for the first session");
        assertEquals("", hexOf(serverReceived(connection)));
    }

    @Test
    void itsOwnConnectionBackRebindsItsStatementAndKeepsItFromItsOtherStatements() {
        Leg leg = one.arrive();
        PreparedStatement mine = one.prepare(leg, SELECT, 7);
        PreparedStatement second = one.preparedElsewhere(SELECT);
        one.leave(leg);

        Leg back = one.arrive();
        assertEquals(7, mine.backendId(back), "its own connection back: bound as it left");
        assertFalse(one.sharing.adopt(second, back), "7 is bound: a second statement prepares its own");
    }

    @Test
    void aStatementPreparedUnderOtherSetsIsNotBound() {
        Leg leg = one.arrive();
        one.prepare(leg, SELECT, 7);
        one.leave(leg);

        two.set("SET sql_mode = 'ANSI_QUOTES'");
        PreparedStatement theirs = two.preparedElsewhere(SELECT);
        Leg taken = two.arrive();
        taken.appliedVersion(two.state.version()); // as LegSync leaves it
        assertFalse(two.sharing.adopt(theirs, taken), "prepared before sql_mode changed");
        assertTrue(two.sharing.kept(taken, 7), "still cached for a session of the first one's SETs");
    }

    @Test
    void aUserVariableSetDoesNotSplitTheKeyButSqlModeAndNamesDo() {
        for (String sql : List.of("SET @x = 5", "SET @a = 1, @b = 'two'")) {
            assertFalse(SessionState.mayChangeParsing(StatementClassifier.classify(sql)), sql);
        }
        for (String sql : List.of("SET sql_mode = 'ANSI_QUOTES'", "SET NAMES latin1", "SET @x = 1, sql_mode = ''")) {
            assertTrue(SessionState.mayChangeParsing(StatementClassifier.classify(sql)), sql);
        }
        Leg leg = one.arrive();
        one.prepare(leg, SELECT, 7);
        one.leave(leg);

        assertTrue(two.state.record(bytes("SET @x = 5"), false));
        PreparedStatement theirs = two.preparedElsewhere(SELECT);
        Leg taken = two.arrive();
        taken.appliedVersion(two.state.version()); // as LegSync leaves it
        assertTrue(two.sharing.adopt(theirs, taken), "a user variable changes no parse");
    }

    @Test
    void aTextOverTheCachesBoundIsNotKept() {
        Leg leg = one.arrive();
        String longer = "SELECT '" + "x".repeat(PreparedStatementCache.MAX_SQL_BYTES) + "'";
        PreparedStatement mine = one.prepare(leg, longer, 7);
        assertFalse(one.sharing.kept(leg, 7));
        assertFalse(one.sharing.letGo(mine, leg, 7), "its own to close");
    }

    @Test
    void aPinnedSessionSharesNothing() {
        one.state.pin(Pin.TEMPORARY_TABLE, "create_temporary_table");
        Leg leg = one.arrive();
        PreparedStatement mine = one.prepare(leg, SELECT, 7);
        assertFalse(one.sharing.kept(leg, 7));
        assertFalse(one.sharing.letGo(mine, leg, 7), "its own to close");
    }

    @Test
    void aStatementThatOpenedACursorLeavesTheCacheAndIsClosedByTheNextSession() {
        Leg leg = one.arrive();
        PreparedStatement mine = one.prepare(leg, SELECT, 7);
        mine.cursorOpen(true);
        mine.cursorOpen(false);
        one.leave(leg);
        assertArrayEquals(new int[] {7}, connection.imprint().preparedIds(), "withdrawn: the next borrower closes it");

        PreparedStatement theirs = two.preparedElsewhere(SELECT);
        Leg taken = two.arrive();
        assertFalse(two.sharing.adopt(theirs, taken));
        connection.flush();
        assertEquals(CLOSE_7, hexOf(serverReceived(connection)));
    }

    @Test
    void aCacheOfSizeZeroKeepsTodaysBehaviour() {
        Session off = new Session(0);
        Leg leg = off.arrive();
        off.prepare(leg, SELECT, 7);
        off.leave(leg);
        assertArrayEquals(new int[] {7}, connection.imprint().preparedIds());
        PreparedStatement theirs = two.preparedElsewhere(SELECT);
        Leg taken = two.arrive();
        assertFalse(two.sharing.adopt(theirs, taken));
        assertNull(theirs.backendId(taken));
        connection.flush();
        assertEquals(CLOSE_7, hexOf(serverReceived(connection)), "closed by the next session, as before");
    }

    private static byte[] bytes(String sql) {
        return sql.getBytes(StandardCharsets.UTF_8);
    }

    /** One session's state, statements, sharing and imprints. */
    private final class Session {
        final SessionState state = new SessionState("app", 45, Consistency.EVENTUAL, 1 << 16);
        final PreparedStatements statements = new PreparedStatements(16, 1 << 16);
        final SharedStatements sharing;
        final LegImprints imprints = new LegImprints(() -> state, statements);
        private final List<PreparedStatement> made = new ArrayList<>();

        Session(int cache) {
            sharing = new SharedStatements(() -> state, cache);
            statements.share(sharing);
        }

        void set(String sql) {
            assertTrue(state.record(bytes(sql)));
        }

        /** The client prepares {@code sql} on {@code leg}, where the server gives it {@code serverId}. */
        PreparedStatement prepare(Leg leg, String sql, int serverId) {
            ByteBuf response = Unpooled.buffer();
            response.writeMediumLE(12).writeByte(1);
            response.writeByte(0)
                    .writeIntLE(serverId)
                    .writeShortLE(1)
                    .writeShortLE(1)
                    .writeByte(0)
                    .writeShortLE(0);
            try {
                statements.register(bytes(sql), null, leg, response);
            } finally {
                response.release();
            }
            PreparedStatement statement = statements.get(PreparedStatements.LAST_PREPARED);
            made.add(statement);
            return statement;
        }

        /** The client prepared {@code sql} on another connection, given back since. */
        PreparedStatement preparedElsewhere(String sql) {
            Leg there = new Leg(PRIMARY, pool, elsewhere, new IgnoringLegOwner());
            PreparedStatement statement = prepare(there, sql, 99);
            statement.forget(there);
            return statement;
        }

        Leg arrive() {
            Leg leg = new Leg(PRIMARY, pool, connection, new IgnoringLegOwner());
            imprints.arriving(leg);
            return leg;
        }

        void leave(Leg leg) {
            connection.imprint(imprints.leaving(leg));
            for (PreparedStatement statement : made) {
                statement.forget(leg);
            }
        }
    }
}

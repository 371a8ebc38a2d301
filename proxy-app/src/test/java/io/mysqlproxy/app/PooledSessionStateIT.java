package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pooled connection carries nothing of one session into the next. With a pool of one connection
 * per backend (and one event loop, so that it can serve every session), each test's first session changes its schema or session variables in a way the
 * proxy tracks (plain SET forms) or does not (inside a multi-statement, in a procedure, per
 * statement), then ends; the next session of the same user, with the same client options (so the
 * same pool key), finds on the primary and on each replica its own login schema, every probed
 * session variable at its global default, and no user variable.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
// One event loop: a pooled connection serves only sessions on its own loop.
@ProxyOverrides(ProxyFixture.NATIVE_PASSWORD_APP
        + "\nmysql-proxy.backends.pool.max-connections = 1\nmysql-proxy.event-loop-threads = 1")
class PooledSessionStateIT {

    private static final Logger log = LoggerFactory.getLogger(PooledSessionStateIT.class);
    /** Both sessions send multi-statements, so both have the same pool key. */
    private static final String MULTI = "allowMultiQueries=true";
    /** Variables Connector/J leaves alone at connect, so any difference from the global value is a leak. */
    private static final String PROBE = "SELECT @@server_id, " + ServerThreadId.EXPRESSION + ", DATABASE(), "
            + "@@session.time_zone = @@global.time_zone, "
            + "@@session.sort_buffer_size = @@global.sort_buffer_size, "
            + "@@session.group_concat_max_len = @@global.group_concat_max_len, "
            + "@@session.div_precision_increment = @@global.div_precision_increment, "
            + "@@session.lc_time_names = @@global.lc_time_names, "
            + "@leftover IS NULL";

    private static final int MAX_READS = 200;

    private final ProxyFixture proxy;
    private final ReplicatedTestBed bed;

    PooledSessionStateIT(ProxyFixture proxy, ReplicatedTestBed bed) {
        this.proxy = proxy;
        this.bed = bed;
    }

    @BeforeAll
    static void schemaAndProcedure(ReplicatedTestBed bed) throws SQLException {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS pooled_other");
            s.execute("DROP PROCEDURE IF EXISTS " + ReplicatedTestBed.APP_DATABASE + ".set_session_state");
            s.execute("CREATE PROCEDURE " + ReplicatedTestBed.APP_DATABASE + ".set_session_state() BEGIN "
                    + "SET SESSION div_precision_increment = 9; SET @leftover = 'from a procedure'; END");
        }
        bed.awaitReplication();
    }

    @Test
    void aUseInsideAMultiStatementStaysWithItsSession() throws SQLException {
        afterASessionThat(s -> {
            s.execute("USE pooled_other; SELECT 1");
            assertEquals("pooled_other", string(s, "SELECT DATABASE()"), "the multi-statement changed the schema");
        });
    }

    @Test
    void aSetInsideAMultiStatementStaysWithItsSession() throws SQLException {
        afterASessionThat(s -> s.execute("SET time_zone = '+05:00'; SET @leftover = 'multi'; SELECT 1"));
    }

    @Test
    void aSetInAProcedureStaysWithItsSession() throws SQLException {
        afterASessionThat(s -> {
            s.execute("CALL set_session_state()");
            assertEquals("9", string(s, "/* route=primary */ SELECT @@session.div_precision_increment"));
        });
    }

    /** The forms the proxy tracks and replays on every backend the session reads from. */
    @Test
    void trackedSetFormsStayWithTheirSession() throws SQLException {
        afterASessionThat(s -> {
            s.execute("SET @@session.sort_buffer_size = 1048576");
            s.execute("SET SESSION group_concat_max_len = 4321");
            s.execute("SET time_zone = '+02:00'");
            s.execute("SET lc_time_names = 'de_DE'");
            s.execute("SET @leftover = 'tracked'");
            everyBackend(s, PROBE, false);
        });
    }

    /** Hints that set a variable for one statement (MySQL's SET_VAR, MariaDB's SET STATEMENT ... FOR). */
    @Test
    void perStatementSetsStayWithTheirStatement() throws SQLException {
        String probe = ServerFlavour.current() == ServerFlavour.MYSQL
                ? PROBE.replace("SELECT ", "SELECT /*+ SET_VAR(sort_buffer_size = 2097152) */ ")
                : "SET STATEMENT sort_buffer_size = 2097152 FOR " + PROBE;
        afterASessionThat(s -> everyBackend(s, probe, false));
    }

    private interface SessionWork {
        void run(Statement s) throws SQLException;
    }

    /**
     * Runs {@code work} in a session that first reads on every backend (so it holds each pool's one
     * connection), ends it, and checks that the next session finds every backend clean.
     */
    private void afterASessionThat(SessionWork work) throws SQLException {
        Map<Integer, Long> before;
        try (Connection c = proxy.connect(MULTI);
                Statement s = c.createStatement()) {
            before = everyBackend(s, PROBE, true);
            work.run(s);
        }
        try (Connection c = proxy.connect(MULTI);
                Statement s = c.createStatement()) {
            Map<Integer, Long> after = everyBackend(s, PROBE, true);
            log.info("connection ids per server_id: first session {}, next session {}", before, after);
            for (TestBedServer replica : bed.replicas()) {
                assertEquals(
                        before.get(replica.serverId()),
                        after.get(replica.serverId()),
                        "the pool of one reused replica " + replica.serverId() + "'s connection");
            }
        }
    }

    /**
     * Runs {@code probe} on the primary (hinted) and on each replica (plain reads until both have
     * served one), checks each answer is clean if asked to, and gives the connection id per server_id.
     */
    private Map<Integer, Long> everyBackend(Statement s, String probe, boolean clean) throws SQLException {
        Map<Integer, Long> ids = new TreeMap<>();
        check(s, "/* route=primary */ " + probe, ids, clean);
        Set<Integer> replicas =
                bed.replicas().stream().map(TestBedServer::serverId).collect(Collectors.toSet());
        for (int i = 0; i < MAX_READS && !ids.keySet().containsAll(replicas); i++) {
            check(s, probe, ids, clean);
        }
        assertTrue(ids.keySet().containsAll(replicas), "reads reached every replica: " + ids);
        return ids;
    }

    private static void check(Statement s, String probe, Map<Integer, Long> ids, boolean clean) throws SQLException {
        // execute, not executeQuery: Connector/J takes SET STATEMENT ... FOR SELECT for a statement without rows.
        assertTrue(s.execute(probe), probe);
        try (ResultSet rs = s.getResultSet()) {
            assertTrue(rs.next());
            int server = rs.getInt(1);
            ids.put(server, rs.getLong(2));
            if (!clean) {
                return;
            }
            String where = "server_id " + server + ", connection " + rs.getLong(2);
            assertAll(
                    where,
                    () -> assertEquals(ReplicatedTestBed.APP_DATABASE, rs.getString(3), "schema"),
                    () -> assertTrue(rs.getBoolean(4), "time_zone"),
                    () -> assertTrue(rs.getBoolean(5), "sort_buffer_size"),
                    () -> assertTrue(rs.getBoolean(6), "group_concat_max_len"),
                    () -> assertTrue(rs.getBoolean(7), "div_precision_increment"),
                    () -> assertTrue(rs.getBoolean(8), "lc_time_names"),
                    () -> assertTrue(rs.getBoolean(9), "@leftover"));
        }
    }

    private static String string(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }
}

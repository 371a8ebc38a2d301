package io.mysqlproxy.app;

import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The proxy's admin statements on the proxy port, through Connector/J and the {@code mariadb} client:
 * SHOW PROXY BACKENDS, SHOW PROXY STATS and EXPLAIN ROUTE are answered by the proxy to users marked
 * {@code admin} (here {@code ops}), refused with error 1227 to the others ({@code app}), and never reach a
 * server: the statements routed to backends do not change while they run. EXPLAIN ROUTE gives, for a sample
 * of the classifier's table, the route the table says, and follows the session's own state.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides("""
        mysql-proxy.users = [
          { name = app, password = app-secret, auth-plugin = mysql_native_password }
          { name = ops, password = ops-secret, auth-plugin = mysql_native_password, admin = true }
        ]
        """)
class AdminSqlIT {

    private static final DbAccount OPS = new DbAccount("ops", "ops-secret");
    private static final int ER_SPECIFIC_ACCESS_DENIED_ERROR = 1227;
    private static final int ER_PARSE_ERROR = 1064;
    private static final Path TABLE = Path.of(System.getProperty("user.dir"))
            .resolveSibling("proxy-core")
            .resolve("src/test/resources/classify/statements.csv");

    private final ReplicatedTestBed bed;
    private final ProxyFixture proxy;

    @TempDir
    Path tmp;

    AdminSqlIT(ReplicatedTestBed bed, ProxyFixture proxy) {
        this.bed = bed;
        this.proxy = proxy;
    }

    /** The operator's account exists on the servers too: the proxy logs in to them as the client's user. */
    @BeforeAll
    static void createOperatorAccount(ReplicatedTestBed bed) throws SQLException {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            // Each flavour's default plugin: the proxy logs in to the servers with whichever they ask for.
            s.execute("CREATE USER IF NOT EXISTS '" + OPS.user() + "'@'%' IDENTIFIED BY '" + OPS.password() + "'");
            s.execute("GRANT SELECT ON " + ReplicatedTestBed.APP_DATABASE + ".* TO '" + OPS.user() + "'@'%'");
        }
        bed.awaitReplication();
    }

    private Connection ops(String properties) throws SQLException {
        return proxy.connect(OPS.user(), OPS.password(), properties);
    }

    // ---- EXPLAIN ROUTE

    @Test
    void explainRouteGivesTheTablesRouteForASampleOfItsStatements() throws Exception {
        List<Row> sample = sample();
        assertTrue(sample.size() >= 60, "sample of " + sample.size());
        Set<String> replicas = bed.replicas().stream().map(AdminSqlIT::address).collect(Collectors.toSet());
        Set<String> all = new TreeSet<>(replicas);
        all.add(address(bed.primary()));
        try (Connection c = ops("");
                Statement s = c.createStatement()) {
            long before = routedStatements(s);
            for (Row row : sample) {
                Map<String, String> explained = explain(s, row.sql());
                String context = row.sql() + " -> " + explained;
                assertAll(
                        context,
                        () -> assertEquals(row.route(), explained.get("target") + ":" + explained.get("reason")),
                        () -> assertEquals(row.kind(), explained.get("statement_kind")),
                        () -> assertEquals(row.hint().toLowerCase(Locale.ROOT), explained.get("hint")),
                        () -> assertEquals(row.flags(), flagSet(explained.get("flags"))),
                        () -> assertTrue(
                                explained.get("target").equals("replica")
                                        ? replicas.contains(explained.get("backend"))
                                        : all.contains(explained.get("backend")),
                                "backend"));
            }
            assertEquals(before, routedStatements(s), "an explained statement reached a server");
        }
    }

    @Test
    void explainRouteFollowsTheSessionsTransactionPinsHintsAndConsistency() throws Exception {
        String primary = address(bed.primary());
        try (Connection c = ops("");
                Statement s = c.createStatement()) {
            assertRoute(s, "SELECT 1", "replica", "read");
            assertRoute(s, "/* route=primary */ SELECT 1", "primary", "hint_primary");
            s.execute("BEGIN");
            Map<String, String> inside = assertRoute(s, "SELECT 1", "transaction", "transaction");
            assertEquals(primary, inside.get("backend"), "the transaction's backend");
            s.execute("COMMIT");
            // The transaction may have written: under session consistency the next read waits for it.
            assertRoute(s, "SELECT 1", "replica", "read_your_writes");
            s.execute("SET proxy_consistency = 'eventual'");
            assertRoute(s, "SELECT 1", "replica", "read");
            s.execute("SET proxy_consistency = 'strong'");
            assertRoute(s, "SELECT 1", "primary", "consistency_strong");
            assertRoute(s, "/* route=replica */ SELECT 1", "replica", "hint_replica");
            s.execute("SET proxy_consistency = 'session'");
            try (ResultSet rs = s.executeQuery("SELECT GET_LOCK('admin_sql_it', 0)")) {
                assertTrue(rs.next());
            }
            Map<String, String> pinned = assertRoute(s, "SELECT 1", "primary", "pinned_named_lock");
            assertEquals(primary, pinned.get("backend"));
            assertEquals("READ", pinned.get("statement_kind"));
        }
    }

    @Test
    void explainRouteRunsNothingAndChangesNothing() throws Exception {
        try (Connection c = ops("");
                Statement s = c.createStatement()) {
            long before = routedStatements(s);
            assertRoute(s, "BEGIN", "primary", "transaction");
            assertRoute(s, "LOCK TABLES t READ", "primary", "session_state");
            assertRoute(s, "SET autocommit = 0", "primary", "session_state");
            assertRoute(s, "CREATE TEMPORARY TABLE admin_sql_tmp (a INT)", "primary", "ddl");
            assertRoute(s, "SELECT GET_LOCK('x', 0)", "primary", "primary_required_read");
            assertRoute(s, "DROP TABLE admin_sql_never_created", "primary", "ddl");
            // None of them ran: no transaction, no pin, autocommit still on, nothing sent to a server.
            assertRoute(s, "SELECT 1", "replica", "read");
            assertTrue(c.getAutoCommit());
            assertEquals(before, routedStatements(s));
        }
    }

    // ---- SHOW PROXY

    @Test
    void showProxyBackendsListsEveryBackendWithTypedColumns() throws Exception {
        try (Connection c = ops("");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW PROXY BACKENDS")) {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnLabel(i));
            }
            assertEquals(
                    List.of(
                            "name",
                            "address",
                            "role",
                            "state",
                            "pod",
                            "weight",
                            "lag_seconds",
                            "outstanding",
                            "statements",
                            "errors",
                            "connections_open",
                            "connections_idle",
                            "pool_waits",
                            "pool_wait_timeouts",
                            "connections_tls",
                            "tls_protocol",
                            "tls_cipher",
                            "tls_handshakes",
                            "tls_resumed"),
                    columns);
            assertEquals(Types.VARCHAR, meta.getColumnType(2));
            assertEquals(Types.BIGINT, meta.getColumnType(9));
            List<String> addresses = new ArrayList<>();
            while (rs.next()) {
                addresses.add(rs.getString("address"));
                assertEquals(addresses.size() == 1 ? "primary" : "replica", rs.getString("role"));
                assertEquals("up", rs.getString("state"));
                assertNull(rs.getString("pod"), "static configuration: no pod");
                if (addresses.size() == 1) {
                    assertNull(rs.getObject("lag_seconds"), "the primary has no lag");
                }
                assertTrue(rs.getObject("statements") instanceof Long, "BIGINT reads as a Long");
                assertTrue(rs.getLong("connections_open") >= rs.getLong("connections_idle"));
            }
            List<String> expected = new ArrayList<>();
            expected.add(address(bed.primary()));
            bed.replicas().forEach(r -> expected.add(address(r)));
            assertEquals(expected, addresses);
        }
    }

    @Test
    void showProxyStatsNamesEveryFigureOnce() throws Exception {
        try (Connection c = ops("");
                Statement s = c.createStatement()) {
            Map<String, Long> stats = stats(s);
            assertTrue(stats.get("client_connections") >= 1, stats.toString());
            for (String name : List.of(
                    "authentication_failures",
                    "transactions",
                    "backend_state_transitions",
                    "statements",
                    "statement_errors",
                    "routing_decisions.read",
                    "routing_decisions.write",
                    "routing_decisions.transaction",
                    "routing_decisions.no_replica")) {
                assertNotNull(stats.get(name), name + " in " + stats);
            }
        }
    }

    // ---- who may, and what is wrong

    @Test
    void usersNotMarkedAdminGetError1227AndNothingReachesAServer() throws Exception {
        try (Connection operator = ops("");
                Statement o = operator.createStatement();
                Connection app = proxy.connect("allowMultiQueries=true");
                Statement s = app.createStatement()) {
            long before = routedStatements(o);
            for (String sql : List.of(
                    "SHOW PROXY BACKENDS",
                    "SHOW PROXY STATS",
                    "EXPLAIN ROUTE SELECT 1",
                    "explain route UPDATE t SET a = 1",
                    "SHOW PROXY nonsense",
                    "EXPLAIN ROUTE",
                    "SELECT 1; SHOW PROXY STATS")) {
                SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), sql);
                assertAll(
                        sql,
                        () -> assertEquals(ER_SPECIFIC_ACCESS_DENIED_ERROR, e.getErrorCode()),
                        () -> assertEquals("42000", e.getSQLState()),
                        () -> assertTrue(
                                e.getMessage()
                                                .startsWith("Access denied; you need (at least one of) the "
                                                        + "PROXY ADMIN privilege(s) for this operation")
                                        && e.getMessage().contains("admin = true"),
                                e.getMessage()));
            }
            assertEquals(before, routedStatements(o), "a refused statement reached a server");
            try (ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1), "the session goes on");
            }
        }
    }

    @Test
    void malformedAdminStatementsGetAClearSyntaxError() throws Exception {
        try (Connection c = ops("allowMultiQueries=true");
                Statement s = c.createStatement()) {
            long before = routedStatements(s);
            assertSyntaxError(s, "EXPLAIN ROUTE", "EXPLAIN ROUTE needs the statement to explain");
            assertSyntaxError(s, "EXPLAIN ROUTE   ", "EXPLAIN ROUTE needs the statement to explain");
            assertSyntaxError(
                    s,
                    "SHOW PROXY USERS",
                    "Unknown statement SHOW PROXY USERS: the proxy answers "
                            + "SHOW PROXY BACKENDS, SHOW PROXY STATS, SHOW PROXY SESSIONS, SHOW PROXY HOSTS, "
                            + "EXPLAIN ROUTE <statement>, PROXY UNBLOCK HOST 'address', PROXY UNBLOCK ALL HOSTS, "
                            + "SHOW PROXY QUERIES [ORDER BY calls|total_time|avg_time|max_time|rows|errors|last_seen "
                            + "[ASC|DESC]] [LIMIT n] and PROXY RESET QUERIES");
            assertSyntaxError(
                    s, "PROXY UNBLOCK ALL", "Expected PROXY UNBLOCK HOST 'address' or PROXY UNBLOCK ALL HOSTS");
            assertSyntaxError(s, "SHOW PROXY", "SHOW PROXY needs what to show");
            assertSyntaxError(s, "SHOW PROXY STATS LIKE 'x'", "Unexpected 'LIKE' after SHOW PROXY STATS");
            assertSyntaxError(s, "SELECT 1; SHOW PROXY STATS", "SHOW PROXY and EXPLAIN ROUTE must be sent alone");
            assertEquals(before, routedStatements(s));
        }
    }

    // ---- the mariadb command-line client

    @Test
    void theMariadbClientShowsTheResults() throws Exception {
        assumeTrue(MariaDbCli.installed(), "the mariadb command-line client is not installed at " + MariaDbCli.CLIENT);
        MariaDbCli.Run run = MariaDbCli.run(
                tmp,
                proxy.port(),
                OPS,
                List.of(
                        "-e",
                        "SHOW PROXY BACKENDS; SHOW PROXY STATS; EXPLAIN ROUTE SELECT 1; EXPLAIN ROUTE UPDATE t SET a = 1"),
                null,
                null);
        assertEquals(0, run.exit(), run.err());
        String[] lines = run.out().split("\n");
        String primary = address(bed.primary());
        assertAll(
                run.out(),
                () -> assertTrue(lines[0].startsWith("name\taddress\trole\tstate\tpod\tweight\tlag_seconds\t")),
                () -> assertTrue(lines[1].startsWith(primary + "\t" + primary + "\tprimary\tup\tNULL\t1\tNULL\t")),
                () -> assertEquals("name\tvalue", lines[1 + bed.servers().size()]),
                () -> assertTrue(run.out().contains("\nrouting_decisions.read\t")),
                () -> assertTrue(
                        run.out().contains("\ntarget\tbackend\treason\tdescription\tstatement_kind\tflags\thint\n")),
                () -> assertTrue(run.out().contains("\nreplica\t"), "SELECT 1 goes to a replica"),
                () -> assertTrue(run.out().contains("\nprimary\t" + primary + "\twrite\ta write\tWRITE\t\tnone\n")));

        // The client strips comments, hints included, unless told to keep them.
        MariaDbCli.Run table = MariaDbCli.run(
                tmp,
                proxy.port(),
                OPS,
                List.of("--table", "--comments", "-e", "EXPLAIN ROUTE /* route=primary */ SELECT 1"),
                null,
                null);
        assertEquals(0, table.exit(), table.err());
        assertTrue(
                table.out().contains("| target  | backend") && table.out().contains("| primary | " + primary),
                table.out());

        MariaDbCli.Run refused =
                MariaDbCli.run(tmp, proxy.port(), DbAccount.APP, List.of("-e", "SHOW PROXY STATS"), null, null);
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("ERROR 1227 (42000)"), refused.err());
    }

    // ---- helpers

    private static Map<String, String> assertRoute(Statement s, String sql, String target, String reason)
            throws SQLException {
        Map<String, String> explained = explain(s, sql);
        assertEquals(
                target + ":" + reason,
                explained.get("target") + ":" + explained.get("reason"),
                sql + " -> " + explained);
        return explained;
    }

    /** EXPLAIN ROUTE's one row, by column name. */
    private static Map<String, String> explain(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery("EXPLAIN ROUTE " + sql)) {
            assertTrue(rs.next(), sql);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
            }
            assertFalse(rs.next(), "one row");
            return row;
        }
    }

    private static Map<String, Long> stats(Statement s) throws SQLException {
        Map<String, Long> stats = new HashMap<>();
        try (ResultSet rs = s.executeQuery("SHOW PROXY STATS")) {
            while (rs.next()) {
                assertNull(stats.put(rs.getString("name"), rs.getLong("value")), rs.getString("name"));
            }
        }
        return stats;
    }

    /** Client statements the proxy has sent to any backend, as SHOW PROXY STATS counts them. */
    private static long routedStatements(Statement s) throws SQLException {
        return stats(s).get("statements");
    }

    private static void assertSyntaxError(Statement s, String sql, String message) {
        SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), sql);
        assertAll(
                sql,
                () -> assertEquals(ER_PARSE_ERROR, e.getErrorCode()),
                () -> assertEquals("42000", e.getSQLState()),
                () -> assertTrue(e.getMessage().startsWith(message), e.getMessage()));
    }

    private static Set<String> flagSet(String flags) {
        return flags.isEmpty() ? Set.of() : new TreeSet<>(Arrays.asList(flags.split(",")));
    }

    private static String address(TestBedServer server) {
        return server.host() + ":" + server.port();
    }

    /** One row of the classifier's table (see proxy-core's StatementTable for its notation). */
    private record Row(String sql, String kind, String hint, Set<String> flags, String route) {}

    /**
     * A representative sample of the classifier's table: the first two rows of every route it names, and every
     * seventh row. Left out: statements only whitespace (nothing to explain), malformed ones (Connector/J reads
     * quotes and comments itself) and the mebibyte-long one.
     */
    private static List<Row> sample() throws IOException {
        assertTrue(Files.isRegularFile(TABLE), "the classifier's table at " + TABLE);
        List<Row> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(TABLE, StandardCharsets.UTF_8);
        for (String line : lines.subList(1, lines.size())) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split("¦", -1);
            String sql = cells[0].startsWith("§") ? cells[0].substring(1, cells[0].length() - 1) : cells[0];
            sql = sql.replace("⏎", "\n").replace("⇥", "\t");
            if (sql.isBlank() || sql.contains("⟦1MB⟧") || cells[4].contains("MALFORMED")) {
                continue;
            }
            Set<String> flags = cells[4].isBlank()
                    ? Set.of()
                    : new TreeSet<>(Arrays.asList(cells[4].trim().split("\\s+")));
            rows.add(new Row(sql, cells[1], cells[3], flags, cells[5]));
        }
        Map<String, Integer> perRoute = new HashMap<>();
        List<Row> sample = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            if (perRoute.merge(row.route(), 1, Integer::sum) <= 2 || i % 7 == 0) {
                sample.add(row);
            }
        }
        return sample;
    }
}

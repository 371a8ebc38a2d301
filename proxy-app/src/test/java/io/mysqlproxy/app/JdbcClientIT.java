package io.mysqlproxy.app;

import com.mysql.cj.jdbc.ConnectionImpl;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MySQL Connector/J, the most common Java client, through the proxy with the options applications actually
 * use. Each test checks its results and, where the option changes what goes over the wire, the backend session's
 * own counters (SHOW SESSION STATUS, answered by the very backend session the proxy opened for the client), so a
 * test passes only if the option really took the path it names.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides(ProxyFixture.NATIVE_PASSWORD_APP)
class JdbcClientIT {

    /**
     * caching_sha2_password for {@code app}. In front of MariaDB also a greeting version Connector/J reads as MySQL
     * 5.7.19: at least 5.5.16, so it reads auth-more-data packets as caching_sha2_password sends them, and below
     * 5.7.20, so it still asks MariaDB 10.11 for tx_isolation (not transaction_isolation, which 10.11 lacks). Below
     * 8.0.5 it pads the RSA-encrypted password with PKCS#1 v1.5. In front of MySQL the real version is right.
     */
    private static final String MYSQL_57_VERSION = "mysql-proxy.server-version = \"5.7.19-mysql-proxy-it\"\n";

    private static final String CACHING_SHA2_APP =
            "mysql-proxy.users = [ { name = app, password = app-secret, auth-plugin = caching_sha2_password } ]";

    private static final int ER_ACCESS_DENIED = 1045;
    private static final int ER_ACCESS_DENIED_NO_PASSWORD = 1698;
    private static final int ER_NO_SUCH_TABLE = 1146;
    private static final String ACCESS_DENIED_STATE = "28000";

    private final ReplicatedTestBed bed;
    private final ProxyFixture proxy;

    JdbcClientIT(ReplicatedTestBed bed, ProxyFixture proxy) {
        this.bed = bed;
        this.proxy = proxy;
    }

    private String cachingSha2App() {
        return (bed.flavour() == ServerFlavour.MARIADB ? MYSQL_57_VERSION : "") + CACHING_SHA2_APP;
    }

    // ---- prepared statements ----

    @Test
    void clientSidePreparedStatementsUseTheTextProtocol() throws SQLException {
        try (Connection c = proxy.connect("useServerPrepStmts=false")) {
            long prepares = status(c, "Com_stmt_prepare");
            roundTripThroughPreparedStatements(c, "jdbc_client_ps");
            assertEquals(0, status(c, "Com_stmt_prepare") - prepares, "client-side statements must not be prepared");
        }
    }

    @Test
    void serverSidePreparedStatementsUseTheBinaryProtocol() throws SQLException {
        try (Connection c = proxy.connect("useServerPrepStmts=true")) {
            long prepares = status(c, "Com_stmt_prepare");
            long executes = status(c, "Com_stmt_execute");
            roundTripThroughPreparedStatements(c, "jdbc_server_ps");
            assertTrue(status(c, "Com_stmt_prepare") - prepares >= 4, "statements were prepared on the server");
            // 50 batched inserts, 2 selects, 1 update, 1 sum, each a COM_STMT_EXECUTE of its own.
            assertTrue(status(c, "Com_stmt_execute") - executes >= 54, "statements were executed on the server");
        }
    }

    @Test
    void cachedServerPreparedStatementsArePreparedOncePerBackend() throws SQLException {
        String sql = "SELECT ? + 1, CONCAT('v', ?)";
        // The proxy prepares a statement on each backend where it runs: at most once per server for a
        // statement the client prepares once, and every server-side statement is closed when the client's is.
        try (Connection cached = proxy.connect("useServerPrepStmts=true&cachePrepStmts=true")) {
            long prepares = status(cached, "Com_stmt_prepare");
            long closes = status(cached, "Com_stmt_close");
            runTwenty(cached, sql);
            long prepared = status(cached, "Com_stmt_prepare") - prepares;
            assertTrue(
                    prepared >= 1 && prepared <= bed.servers().size(),
                    "cached statement prepared " + prepared + " times");
            // Under transaction multiplexing a connection this session borrows may carry the statements of a
            // session that ended before (the earlier tests'), which it closes: the count is not this session's.
            if (!ProxyFixture.multiplexingTransactions()) {
                assertEquals(0, status(cached, "Com_stmt_close") - closes, "cached statement kept open");
            }
        }
        try (Connection uncached = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false")) {
            long prepares = status(uncached, "Com_stmt_prepare");
            long closes = status(uncached, "Com_stmt_close");
            runTwenty(uncached, sql);
            long prepared = status(uncached, "Com_stmt_prepare") - prepares;
            assertTrue(prepared >= 20, "each of 20 statements prepared: " + prepared);
            long closed = status(uncached, "Com_stmt_close") - closes;
            if (ProxyFixture.multiplexingTransactions()) {
                // A statement the client closes after its connection went back is closed there by the next
                // borrower (COM_STMT_CLOSE as it takes the connection up): at most one left per connection.
                assertTrue(prepared - closed <= bed.servers().size(), prepared + " prepared, " + closed + " closed");
            } else {
                assertEquals(prepared, closed, "every server-side statement closed");
            }
        }
    }

    private static void runTwenty(Connection c, String sql) throws SQLException {
        for (int i = 0; i < 20; i++) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setInt(1, i);
                ps.setString(2, "x" + i);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(i + 1, rs.getLong(1));
                    assertEquals("vx" + i, rs.getString(2));
                    assertFalse(rs.next());
                }
            }
        }
    }

    // ---- several result sets ----

    @Test
    void multiStatementTextReturnsEveryResult() throws SQLException {
        try (Connection c = proxy.connect("allowMultiQueries=true");
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS jdbc_multi");
            st.execute("CREATE TABLE jdbc_multi (id INT PRIMARY KEY, name VARCHAR(16))");
            boolean isResultSet = st.execute("SELECT 1 AS one; "
                    + "SELECT 'a' AS letter UNION ALL SELECT 'b'; "
                    + "INSERT INTO jdbc_multi VALUES (1, 'x'), (2, 'y'), (3, 'z'); "
                    + "UPDATE jdbc_multi SET name = 'w' WHERE id >= 2; "
                    + "SELECT id, name FROM jdbc_multi ORDER BY id; "
                    + "SELECT * FROM jdbc_multi WHERE id < 0");
            List<String> results = new ArrayList<>();
            while (true) {
                if (isResultSet) {
                    try (ResultSet rs = st.getResultSet()) {
                        results.add("rows " + rows(rs));
                    }
                } else if (st.getUpdateCount() != -1) {
                    results.add("count " + st.getUpdateCount());
                } else {
                    break;
                }
                isResultSet = st.getMoreResults();
            }
            assertEquals(
                    List.of(
                            "rows [[1]]",
                            "rows [[a], [b]]",
                            "count 3",
                            "count 2",
                            "rows [[1, x], [2, w], [3, w]]",
                            "rows []"),
                    results);

            // An error ends the sequence where it happens (Connector/J reads every result at once, so execute
            // throws); the session stays usable.
            SQLException error = assertThrows(
                    SQLException.class, () -> st.execute("SELECT 1; SELECT * FROM jdbc_no_such_table; SELECT 3"));
            assertEquals(ER_NO_SUCH_TABLE, error.getErrorCode(), error::getMessage);
            try (ResultSet rs = st.executeQuery("SELECT 4")) {
                assertEquals("[[4]]", rows(rs));
            }
        }
    }

    @Test
    void storedProcedureResultsThroughServerPreparedCall() throws SQLException {
        try (Connection c = proxy.connect("useServerPrepStmts=true");
                Statement st = c.createStatement()) {
            st.execute("DROP PROCEDURE IF EXISTS jdbc_two_results");
            st.execute("CREATE PROCEDURE jdbc_two_results(IN n INT) BEGIN "
                    + "SELECT n AS first; SELECT n * 2 AS second, 'two' AS label; END");
            try (PreparedStatement call = c.prepareStatement("CALL jdbc_two_results(?)")) {
                for (int n = 1; n <= 3; n++) {
                    call.setInt(1, n);
                    assertTrue(call.execute());
                    try (ResultSet rs = call.getResultSet()) {
                        assertEquals("[[" + n + "]]", rows(rs));
                    }
                    assertTrue(call.getMoreResults());
                    try (ResultSet rs = call.getResultSet()) {
                        assertEquals("[[" + (2 * n) + ", two]]", rows(rs));
                    }
                    assertFalse(call.getMoreResults());
                    assertEquals(0, call.getUpdateCount());
                    assertFalse(call.getMoreResults());
                    assertEquals(-1, call.getUpdateCount());
                }
            }
        }
    }

    // ---- server-side cursors ----

    @Test
    void cursorFetchStreamsInBatchesOfTheFetchSize() throws SQLException {
        createSequenceTable("jdbc_cursor", 5000);
        try (Connection c = proxy.connect("useCursorFetch=true&defaultFetchSize=100")) {
            long fetches = status(c, "Com_stmt_fetch");
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT id, name FROM jdbc_cursor WHERE id > ? ORDER BY id")) {
                ps.setInt(1, 0);
                try (ResultSet rs = ps.executeQuery()) {
                    int expected = 0;
                    while (rs.next()) {
                        expected++;
                        assertEquals(expected, rs.getInt(1));
                        assertEquals("row-" + expected, rs.getString(2));
                    }
                    assertEquals(5000, expected);
                }
            }
            long used = status(c, "Com_stmt_fetch") - fetches;
            assertTrue(used >= 50, "5000 rows in batches of 100 take at least 50 COM_STMT_FETCH, saw " + used);

            // A cursor over an empty result, then one statement with its own fetch size: the session is intact.
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM jdbc_cursor WHERE id < ?")) {
                ps.setInt(1, 0);
                try (ResultSet rs = ps.executeQuery()) {
                    assertFalse(rs.next());
                }
            }
            fetches = status(c, "Com_stmt_fetch");
            try (Statement st = c.createStatement()) {
                st.setFetchSize(250);
                try (ResultSet rs = st.executeQuery("SELECT id FROM jdbc_cursor ORDER BY id")) {
                    long sum = 0;
                    int count = 0;
                    while (rs.next()) {
                        sum += rs.getInt(1);
                        count++;
                    }
                    assertEquals(5000, count);
                    assertEquals(5000L * 5001 / 2, sum);
                }
            }
            used = status(c, "Com_stmt_fetch") - fetches;
            assertTrue(used >= 20, "5000 rows in batches of 250 take at least 20 COM_STMT_FETCH, saw " + used);
        }
    }

    @Test
    void interleavedCursorsOnOneConnection() throws SQLException {
        createSequenceTable("jdbc_cursor_pair", 1000);
        try (Connection c = proxy.connect("useCursorFetch=true");
                PreparedStatement up = c.prepareStatement("SELECT id FROM jdbc_cursor_pair ORDER BY id");
                PreparedStatement down = c.prepareStatement("SELECT id, name FROM jdbc_cursor_pair ORDER BY id DESC")) {
            up.setFetchSize(7);
            down.setFetchSize(13);
            try (ResultSet ascending = up.executeQuery();
                    ResultSet descending = down.executeQuery()) {
                for (int i = 1; i <= 1000; i++) {
                    assertTrue(ascending.next());
                    assertTrue(descending.next());
                    assertEquals(i, ascending.getInt(1));
                    assertEquals(1001 - i, descending.getInt(1));
                    assertEquals("row-" + (1001 - i), descending.getString(2));
                }
                assertFalse(ascending.next());
                assertFalse(descending.next());
            }
        }
    }

    // ---- authentication ----

    /**
     * The default configuration ("auto" plugins) authenticates as the primary does: MariaDB's greeting names
     * mysql_native_password, which Connector/J handles with MariaDB's "5.5.5-10.x" version (it cannot do
     * caching_sha2_password with a server it takes for MySQL 5.5; see {@link #MYSQL_57_VERSION}).
     */
    @Test
    void defaultConfigurationAuthenticatesAsThePrimaryDoes() throws SQLException {
        try (ProxyFixture standard = ProxyFixture.start(bed)) {
            for (String properties : List.of(
                    "sslMode=REQUIRED",
                    "sslMode=DISABLED&allowPublicKeyRetrieval=true",
                    "sslMode=DISABLED&allowPublicKeyRetrieval=false")) {
                try (Connection c = standard.connect(properties)) {
                    assertEquals("app@%", queryString(c, "SELECT CURRENT_USER()"), properties);
                }
            }
        }
    }

    @Test
    void cachingSha2FullAuthenticationOverTlsThenFastPath() throws SQLException {
        try (ProxyFixture fresh = ProxyFixture.start(bed, cachingSha2App())) {
            // Nothing cached yet: without TLS and without the server's key, the client cannot authenticate.
            SQLException refused = assertThrows(
                    SQLException.class,
                    () -> fresh.connect("sslMode=DISABLED&allowPublicKeyRetrieval=false")
                            .close());
            assertTrue(refused.getMessage().contains("Public Key Retrieval is not allowed"), refused::getMessage);

            try (Connection c = fresh.connect("sslMode=REQUIRED&allowPublicKeyRetrieval=false")) {
                assertTrue(isTls(c), "the client's connection to the proxy is TLS");
                assertEquals("app@%", queryString(c, "SELECT CURRENT_USER()"));
            }
            // Full authentication has cached the password: the scramble alone suffices now, even in plain text.
            try (Connection c = fresh.connect("sslMode=DISABLED&allowPublicKeyRetrieval=false")) {
                assertFalse(isTls(c));
                assertEquals("app@%", queryString(c, "SELECT CURRENT_USER()"));
            }
        }
    }

    @Test
    void cachingSha2FullAuthenticationOverRsaThenFastPath() throws SQLException {
        try (ProxyFixture fresh = ProxyFixture.start(bed, cachingSha2App())) {
            SQLException refused = assertThrows(
                    SQLException.class,
                    () -> fresh.connect("sslMode=DISABLED&allowPublicKeyRetrieval=false")
                            .close());
            assertTrue(refused.getMessage().contains("Public Key Retrieval is not allowed"), refused::getMessage);

            try (Connection c = fresh.connect("sslMode=DISABLED&allowPublicKeyRetrieval=true")) {
                assertFalse(isTls(c));
                assertEquals("app@%", queryString(c, "SELECT CURRENT_USER()"));
            }
            try (Connection c = fresh.connect("sslMode=DISABLED&allowPublicKeyRetrieval=false")) {
                assertEquals("app@%", queryString(c, "SELECT CURRENT_USER()"));
            }
        }
    }

    /**
     * A proxy user on mysql_native_password, greeted with either plugin: with caching_sha2_password in the greeting
     * Connector/J's first answer is for that plugin and the proxy switches it to mysql_native_password.
     */
    @ParameterizedTest
    @ValueSource(strings = {"caching_sha2_password", "mysql_native_password"})
    void mysqlNativePasswordUser(String greetingPlugin) throws SQLException {
        String overrides = """
                mysql-proxy.users = [ { name = "%s", password = "%s", auth-plugin = "mysql_native_password" } ]
                mysql-proxy.client.default-auth-plugin = "%s"
                """.formatted(DbAccount.APP.user(), DbAccount.APP.password(), greetingPlugin);
        try (ProxyFixture nativeProxy = ProxyFixture.start(bed, overrides)) {
            for (String properties : List.of(
                    "sslMode=DISABLED&allowPublicKeyRetrieval=false",
                    "sslMode=REQUIRED",
                    "defaultAuthenticationPlugin=mysql_native_password&sslMode=DISABLED")) {
                try (Connection c = nativeProxy.connect(properties)) {
                    assertEquals("app@%", queryString(c, "SELECT CURRENT_USER()"), properties);
                }
                SQLException denied = assertThrows(
                        SQLException.class,
                        () -> nativeProxy
                                .connect(DbAccount.APP.user(), "not-the-password", properties)
                                .close());
                assertEquals(ER_ACCESS_DENIED, denied.getErrorCode(), denied::getMessage);
                assertEquals(ACCESS_DENIED_STATE, denied.getSQLState(), denied::getMessage);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "sslMode=REQUIRED",
                "sslMode=DISABLED&allowPublicKeyRetrieval=true",
                "sslMode=DISABLED&allowPublicKeyRetrieval=false"
            })
    void wrongPasswordOrUnknownUserIsAccessDenied(String properties) throws SQLException {
        assertAccessDenied(proxy, properties);
        try (ProxyFixture sha2 = ProxyFixture.start(bed, cachingSha2App())) {
            assertAccessDenied(sha2, properties);
        }
    }

    /**
     * Users in the proxy's list that the servers do not know: the proxy accepts the client, then the primary
     * refuses the proxy. MySQL answers an unknown account with a decoy auth switch to a plugin it picks at random
     * per account (sha256_password among them), which the proxy must play through to the server's own 1045;
     * MariaDB answers at once. Twenty accounts, so that the decoys cover every plugin MySQL picks from.
     */
    @Test
    void usersUnknownToTheServersAreAccessDeniedAsTheServerSaysIt() throws SQLException {
        List<String> ghosts = IntStream.range(0, 20).mapToObj(i -> "ghost" + i).toList();
        String overrides = "mysql-proxy.users = [ { name = app, password = app-secret }, "
                + ghosts.stream()
                        .map(name -> "{ name = " + name + ", password = boo, auth-plugin = mysql_native_password }")
                        .collect(Collectors.joining(", "))
                + " ]";
        try (ProxyFixture withGhosts = ProxyFixture.start(bed, overrides)) {
            for (String ghost : ghosts) {
                SQLException denied = assertThrows(
                        SQLException.class,
                        () -> withGhosts
                                .connect(ghost, "boo", "sslMode=DISABLED")
                                .close());
                // MariaDB answers some unknown accounts as if they had no password (1698), as it does directly.
                assertTrue(
                        denied.getErrorCode() == ER_ACCESS_DENIED
                                || denied.getErrorCode() == ER_ACCESS_DENIED_NO_PASSWORD,
                        () -> denied.getErrorCode() + " " + denied.getMessage());
                assertEquals(ACCESS_DENIED_STATE, denied.getSQLState(), denied::getMessage);
                assertTrue(denied.getMessage().contains("Access denied for user '" + ghost + "'"), denied::getMessage);
            }
        }
    }

    private static void assertAccessDenied(ProxyFixture proxy, String properties) throws SQLException {
        for (String[] credentials : List.of(
                new String[] {DbAccount.APP.user(), "wrong-password"},
                new String[] {DbAccount.APP.user(), ""},
                new String[] {"nobody", "whatever"})) {
            SQLException denied = assertThrows(
                    SQLException.class,
                    () -> proxy.connect(credentials[0], credentials[1], properties)
                            .close());
            assertAll(
                    credentials[0] + "/" + credentials[1],
                    () -> assertEquals(ER_ACCESS_DENIED, denied.getErrorCode(), denied::getMessage),
                    () -> assertEquals(ACCESS_DENIED_STATE, denied.getSQLState(), denied::getMessage),
                    () -> assertTrue(
                            denied.getMessage().contains("Access denied for user '" + credentials[0] + "'"),
                            denied::getMessage));
        }
        // The right password still works on the same proxy.
        try (Connection c = proxy.connect("sslMode=REQUIRED")) {
            assertEquals("app@%", queryString(c, "SELECT CURRENT_USER()"));
        }
    }

    // ---- helpers ----

    private record Row(int id, String name, BigDecimal amount, LocalDateTime created, String payloadHex) {}

    private static List<Row> sampleRows(int count) {
        List<Row> rows = new ArrayList<>();
        // Whole seconds: Connector/J drops fractions it sends to servers it takes for MySQL < 5.6.4, which MariaDB's
        // "5.5.5-10.x" version string makes it believe (ResultEquivalenceIT compares fractions with the server's).
        LocalDateTime start = LocalDateTime.of(2024, 2, 29, 23, 59, 59);
        for (int i = 1; i <= count; i++) {
            String name = switch (i % 4) {
                case 0 -> null;
                case 1 -> "plain-" + i;
                case 2 -> "ünïcödé ✓ 🚀 " + i;
                default -> "quote ' backslash \\ dq \" nul-free " + i;
            };
            BigDecimal amount = i % 5 == 0
                    ? null
                    : new BigDecimal(i * 1234567L).movePointLeft(2).negate();
            LocalDateTime created = i % 7 == 0 ? null : start.plusSeconds(i * 3_661L);
            byte[] payload = new byte[i % 9];
            for (int b = 0; b < payload.length; b++) {
                payload[b] = (byte) (i * 31 + b * 7);
            }
            rows.add(new Row(
                    i, name, amount, created, i % 6 == 0 ? null : HexFormat.of().formatHex(payload)));
        }
        return rows;
    }

    private static void roundTripThroughPreparedStatements(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, name VARCHAR(64), amount DECIMAL(12,2), "
                    + "created DATETIME(6), payload VARBINARY(64))");
        }
        List<Row> rows = sampleRows(50);
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?)")) {
            for (Row row : rows) {
                insert.setInt(1, row.id());
                insert.setString(2, row.name());
                insert.setBigDecimal(3, row.amount());
                insert.setObject(4, row.created());
                if (row.payloadHex() == null) {
                    insert.setNull(5, Types.VARBINARY);
                } else {
                    insert.setBytes(5, HexFormat.of().parseHex(row.payloadHex()));
                }
                insert.addBatch();
            }
            int[] counts = insert.executeBatch();
            assertEquals(rows.size(), counts.length);
            for (int count : counts) {
                assertEquals(1, count);
            }
        }
        try (PreparedStatement select = c.prepareStatement(
                "SELECT id, name, amount, created, payload FROM " + table + " WHERE id BETWEEN ? AND ? ORDER BY id")) {
            select.setInt(1, 10);
            select.setInt(2, 19);
            assertEquals(rows.subList(9, 19), readRows(select));
            select.setInt(1, 1);
            select.setInt(2, 50);
            assertEquals(rows, readRows(select));
        }
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE " + table + " SET amount = amount + ? WHERE id <= ? AND amount IS NOT NULL")) {
            update.setBigDecimal(1, new BigDecimal("1.25"));
            update.setInt(2, 10);
            assertEquals(8, update.executeUpdate());
        }
        BigDecimal expected = rows.stream()
                .filter(r -> r.amount() != null)
                .map(r -> r.id() <= 10 ? r.amount().add(new BigDecimal("1.25")) : r.amount())
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        try (PreparedStatement sum = c.prepareStatement("SELECT SUM(amount) FROM " + table + " WHERE id > ?")) {
            sum.setInt(1, 0);
            try (ResultSet rs = sum.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(0, expected.compareTo(rs.getBigDecimal(1)), () -> "sum " + expected);
            }
        }
    }

    private static List<Row> readRows(PreparedStatement select) throws SQLException {
        List<Row> read = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                byte[] payload = rs.getBytes(5);
                read.add(new Row(
                        rs.getInt(1),
                        rs.getString(2),
                        rs.getBigDecimal(3),
                        rs.getObject(4, LocalDateTime.class),
                        payload == null ? null : HexFormat.of().formatHex(payload)));
            }
        }
        return read;
    }

    private void createSequenceTable(String table, int rows) throws SQLException {
        try (Connection c = bed.primary().connect(DbAccount.APP, ReplicatedTestBed.APP_DATABASE);
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, name VARCHAR(32))");
            assertEquals(
                    rows,
                    st.executeUpdate("INSERT INTO " + table + " SELECT seq, CONCAT('row-', seq) FROM "
                            + bed.flavour().sequence(1, rows)));
        }
        // Reads through the proxy go to the replicas.
        bed.awaitReplication();
    }

    /**
     * A status counter summed over every server of the bed, read directly: the proxy spreads a session's
     * statements (and prepares them where they run), so no single backend session sees them all.
     */
    private long status(Connection ignored, String name) throws SQLException {
        long sum = 0;
        for (io.mysqlproxy.testbed.TestBedServer server : bed.servers()) {
            try (Connection root = server.connectAsRoot();
                    Statement st = root.createStatement();
                    ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE '" + name + "'")) {
                assertTrue(rs.next(), name);
                sum += rs.getLong(2);
            }
        }
        return sum;
    }

    private static String queryString(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            String value = rs.getString(1);
            assertFalse(rs.next());
            return value;
        }
    }

    /** The rows as text, e.g. {@code [[1, x], [2, y]]}. */
    private static String rows(ResultSet rs) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= columns; i++) {
                row.add(rs.getString(i));
            }
            rows.add(row);
        }
        return rows.toString();
    }

    private static boolean isTls(Connection c) throws SQLException {
        return c.unwrap(ConnectionImpl.class)
                .getSession()
                .getProtocol()
                .getSocketConnection()
                .isSSLEstablished();
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same statements, through the proxy and straight to the primary, must give the same results as Connector/J
 * sees them: column metadata, every value (as object and as string), update counts, warnings, and errors with
 * their codes, SQLSTATEs and messages. Run over the text protocol (plain and client-side prepared statements) and
 * the binary one (server-side prepared statements). Large values and a large result set are checked separately.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides(ProxyFixture.NATIVE_PASSWORD_APP)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResultEquivalenceIT {

    private static final Logger LOG = LoggerFactory.getLogger(ResultEquivalenceIT.class);
    private static final long MIB = 1024 * 1024;
    private static final int GENERATED_ROWS = 200;

    /** How the corpus is sent. */
    enum Wire {
        /** COM_QUERY: plain statements, and client-side prepared statements for those with parameters. */
        TEXT("useServerPrepStmts=false"),
        /** COM_STMT_PREPARE / COM_STMT_EXECUTE, binary rows (Connector/J falls back to text where MariaDB cannot prepare). */
        BINARY("useServerPrepStmts=true");

        final String properties;

        Wire(String properties) {
            this.properties = properties + "&allowMultiQueries=true";
        }
    }

    /** One statement of the corpus; {@code expect} must occur in its outcome, so the corpus cannot silently go dull. */
    /** {@code expect} must appear in the direct outcome; MySQL's prepared protocol may differ ({@code onMySqlBinary}). */
    private record Item(String sql, List<Object> params, String expect, String mySqlBinaryExpect) {
        static Item of(String sql, String expect, Object... params) {
            return new Item(sql, Arrays.asList(params), expect, expect);
        }

        Item onMySqlBinary(String marker) {
            return new Item(sql, params, expect, marker);
        }

        String expect(Wire wire) {
            return wire == Wire.BINARY && ServerFlavour.current() == ServerFlavour.MYSQL ? mySqlBinaryExpect : expect;
        }
    }

    private static final List<Item> CORPUS = List.of(
            Item.of("SELECT * FROM eq_types ORDER BY id", "rows " + (4 + GENERATED_ROWS)),
            Item.of("SELECT * FROM eq_types WHERE id = ?", "rows 1", 2),
            Item.of("SELECT * FROM eq_types WHERE id < ?", "rows 0", 0),
            Item.of(
                    "SELECT id, c_bit + 0, HEX(c_binary), ST_AsText(c_geometry), ST_X(c_point), ST_Y(c_point), "
                            + "JSON_EXTRACT(c_json, '$.k'), c_set + 0, c_enum + 0, LENGTH(c_longblob), CHAR_LENGTH(c_longtext) "
                            + "FROM eq_types ORDER BY id",
                    "rows " + (4 + GENERATED_ROWS)),
            Item.of(
                    "SELECT NULL AS n, ? AS p_long, ? AS p_string, ? AS p_decimal, ? AS p_bytes, ? AS p_null, "
                            + "? AS p_date, ? AS p_datetime, ? AS p_double, ? AS p_bool",
                    "rows 1",
                    42L,
                    "text ' \" \\ ünï 🚀",
                    new BigDecimal("-12345.678900"),
                    new byte[] {0, 1, (byte) 0xff, '\'', '\\'},
                    null,
                    LocalDate.of(2024, 2, 29),
                    LocalDateTime.of(2024, 2, 29, 12, 34, 56, 789_000),
                    1.0 / 3,
                    true),
            Item.of(
                    "SELECT seq, seq * seq AS square, CONCAT('s', seq) AS label FROM "
                            + ServerFlavour.current().sequence(1, 1000),
                    "rows 1000"),
            Item.of(
                    "SELECT id, c_varchar FROM eq_types WHERE id > ? ORDER BY id LIMIT 1000000 OFFSET 1000000",
                    "rows 0",
                    0),
            Item.of("CALL eq_two_results(?)", "rows 2", 2),
            Item.of("CALL eq_two_results(0)", "rows 0"),
            Item.of(
                    "SELECT 1 AS one; SELECT id FROM eq_types WHERE id <= 3 ORDER BY id; SELECT 'end' AS last",
                    "rows 3"),
            Item.of("SELECT 1 FROM DUAL WHERE 1 = 0; SELECT 2 AS two", "rows 0"),
            Item.of("SELECT 1; SELECT * FROM eq_no_such_table; SELECT 2", "error 1146"),
            Item.of(
                    "SELECT @@sql_mode, @@character_set_client, @@character_set_connection, @@character_set_results, "
                            + "@@collation_connection, @@autocommit, @@time_zone, DATABASE(), CURRENT_USER()",
                    "rows 1"),
            Item.of("SHOW COLUMNS FROM eq_types", "rows 37"),
            Item.of("SHOW CREATE TABLE eq_types", "rows 1"),
            Item.of("CREATE TEMPORARY TABLE eq_tmp (id INT PRIMARY KEY, v VARCHAR(5))", "update count 0"),
            Item.of("INSERT INTO eq_tmp VALUES (1, 'a'), (2, 'b'), (3, 'c')", "update count 3"),
            Item.of("UPDATE eq_tmp SET v = 'z' WHERE id >= ?", "update count 2", 2),
            Item.of("UPDATE eq_tmp SET v = v WHERE id >= ?", "update count 0", 10),
            Item.of("INSERT INTO eq_tmp VALUES (1, 'dup')", "error 1062"),
            Item.of("INSERT INTO eq_types (id) VALUES (1)", "error 1062"),
            Item.of("SELECT * FROM eq_no_such_table", "error 1146"),
            Item.of("SELEC 1", "error 1064"),
            Item.of("SELECT no_such_column FROM eq_types", "error 1054"),
            Item.of("INSERT INTO eq_tmp VALUES (5, 'much too long')", "error 1406"),
            // Not strict, so bad values are warnings, not errors; division by zero is reported (as a warning).
            Item.of("SET SESSION sql_mode = 'ERROR_FOR_DIVISION_BY_ZERO'", "update count 0"),
            Item.of("SELECT 1/0 AS div_zero", "warning 1365"),
            // MySQL cannot prepare SHOW WARNINGS: its 1295 warning replaces the previous ones, as it does directly.
            Item.of("SHOW WARNINGS", "1365").onMySqlBinary("1295"),
            Item.of("INSERT INTO eq_tmp VALUES (4, 'much too long')", "warning 1265"),
            Item.of("SELECT CAST('12abc' AS SIGNED) AS truncated", "warning 1292"),
            Item.of("SELECT * FROM eq_tmp ORDER BY id", "rows 4"),
            Item.of("DELETE FROM eq_tmp", "update count 4"),
            Item.of("DROP TEMPORARY TABLE eq_tmp", "update count 0"),
            Item.of("DO 1", "update count 0"),
            Item.of("SELECT 'after everything' AS still_usable", "rows 1"));

    private final ReplicatedTestBed bed;
    private final ProxyFixture proxy;

    ResultEquivalenceIT(ReplicatedTestBed bed, ProxyFixture proxy) {
        this.bed = bed;
        this.proxy = proxy;
    }

    @BeforeAll
    void createTables() throws SQLException {
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS eq_types");
            st.execute("""
                    CREATE TABLE eq_types (
                      id INT PRIMARY KEY,
                      c_tinyint TINYINT, c_tinyint_u TINYINT UNSIGNED, c_smallint SMALLINT, c_smallint_u SMALLINT UNSIGNED,
                      c_mediumint MEDIUMINT, c_mediumint_u MEDIUMINT UNSIGNED, c_int INT, c_int_u INT UNSIGNED,
                      c_bigint BIGINT, c_bigint_u BIGINT UNSIGNED, c_decimal DECIMAL(30,10), c_float FLOAT, c_double DOUBLE,
                      c_bit BIT(10), c_date DATE, c_time TIME(6), c_datetime DATETIME(6), c_timestamp TIMESTAMP(6) NULL,
                      c_year YEAR, c_char CHAR(10), c_varchar VARCHAR(100), c_binary BINARY(8), c_varbinary VARBINARY(100),
                      c_tinyblob TINYBLOB, c_blob BLOB, c_mediumblob MEDIUMBLOB, c_longblob LONGBLOB,
                      c_tinytext TINYTEXT, c_text TEXT, c_mediumtext MEDIUMTEXT, c_longtext LONGTEXT,
                      c_enum ENUM('red','green','blue'), c_set SET('a','b','c'), c_json JSON, c_geometry GEOMETRY,
                      c_point POINT
                    )""");
            st.execute("""
                    INSERT INTO eq_types VALUES
                    (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
                     -99999999999999999999.9999999999, -1.5e38, -1.7976931348623157e308, b'0000000000', '1000-01-01',
                     '-838:59:59.000000', '1000-01-01 00:00:00.000000', '2001-02-03 04:05:06.000007', 1901, '', '',
                     X'00', X'', X'', X'', X'', X'', '', '', '', '', 'red', '', '{}',
                     ST_GeomFromText('POINT(0 0)'), ST_PointFromText('POINT(-1.5 2.25)')),
                    (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807,
                     18446744073709551615, 99999999999999999999.9999999999, 3.4e38, 1.7976931348623157e308,
                     b'1111111111', '9999-12-31', '838:59:59.000000', '9999-12-31 23:59:59.999999',
                     '2037-12-31 23:59:59.999999', 2155, 'abcdefghij', REPEAT('v', 100), X'FFFFFFFFFFFFFFFF',
                     REPEAT(X'AB', 100), REPEAT(X'C3', 255), REPEAT(X'5A', 65535), REPEAT(X'00FF', 100000),
                     REPEAT(X'0102030405', 300000), REPEAT('ü', 127), REPEAT('ünï ', 4000), REPEAT('✓', 100000),
                     REPEAT('long text ', 200000), 'blue', 'a,b,c',
                     '{"k": [1, 2.5, "x", null, true], "nested": {"a": "ü", "b": {"c": []}}}',
                     ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))'),
                     ST_PointFromText('POINT(1e300 -1e-300)')),
                    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                     NULL, NULL, NULL, NULL),
                    (4, 0, 1, -1, 1, 0, 1, 0, 1, 0, 1, 0.0000000001, 0, -0.0, b'0000000001', '2024-02-29',
                     '00:00:00.500000', '2024-02-29 12:34:56.000001', '2024-02-29 12:34:56.000001', 2024,
                     'it''s', 'quote '' dq " backslash \\\\ tab \t nl \n nul \\0 emoji 🚀', X'00270A0D5C', X'005C27',
                     X'00', X'FF', X'0D0A', X'1A', 'ü', 'ünï\r\n', 'x', '🚀🚀', 'green', 'b',
                     '[1, "two", {"three": 3}]', ST_GeomFromText('LINESTRING(0 0, 1 1, 2 4)'),
                     ST_PointFromText('POINT(0 -0)'))
                    """);
            assertEquals(
                    GENERATED_ROWS,
                    st.executeUpdate(
                            """
                    INSERT INTO eq_types (id, c_tinyint, c_int_u, c_bigint, c_decimal, c_double, c_date, c_time,
                                          c_datetime, c_varchar, c_varbinary, c_text, c_enum, c_set, c_json, c_point)
                    SELECT n, n % 128, n * 1000, n * -123456789, n / 7, SQRT(n), '2020-01-01' + INTERVAL n DAY,
                           SEC_TO_TIME(n * 997.5), '2020-01-01' + INTERVAL n * 3601 SECOND, CONCAT('row ', n),
                           UNHEX(SHA2(n, 256)), REPEAT(CONCAT(n, ' '), n), ELT(1 + n % 3, 'red', 'green', 'blue'),
                           MAKE_SET(n % 8, 'a', 'b', 'c'), JSON_OBJECT('n', n, 'even', n % 2 = 0), POINT(n, -n)
                    FROM (SELECT CAST(seq AS SIGNED) AS n FROM """ + " " + ServerFlavour.current().sequence(100, 100 + GENERATED_ROWS - 1) + ") s"));
            st.execute("DROP PROCEDURE IF EXISTS eq_two_results");
            st.execute("""
                    CREATE PROCEDURE eq_two_results(IN n INT)
                    BEGIN
                      SELECT id, c_varchar, c_decimal FROM eq_types WHERE id <= n ORDER BY id;
                      SELECT COUNT(*) AS total, n AS asked, SUM(c_int_u) AS unsigned_sum FROM eq_types;
                    END""");
            st.execute("DROP TABLE IF EXISTS eq_blob");
            st.execute("CREATE TABLE eq_blob (id INT PRIMARY KEY, b LONGBLOB)");
        }
    }

    @ParameterizedTest
    @EnumSource(Wire.class)
    void corpusGivesTheSameOutcomesDirectAndThroughTheProxy(Wire wire) throws SQLException {
        List<List<String>> direct = new ArrayList<>();
        List<List<String>> proxied = new ArrayList<>();
        try (Connection d = ProxyFixture.connectDirect(bed, wire.properties);
                Connection p = proxy.connect(wire.properties)) {
            for (Item item : CORPUS) {
                direct.add(outcome(d, item, wire));
                proxied.add(outcome(p, item, wire));
            }
        }
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < CORPUS.size(); i++) {
            Item item = CORPUS.get(i);
            List<String> expected = direct.get(i);
            List<String> actual = proxied.get(i);
            checks.add(() -> assertTrue(
                    String.join("\n", expected).contains(item.expect(wire)),
                    () -> "direct outcome of '" + item.sql() + "' lacks '" + item.expect(wire) + "':\n" + expected));
            checks.add(() -> assertEquals(expected, actual, () -> wire + ": " + item.sql()));
        }
        assertAll(checks);
    }

    @ParameterizedTest
    @EnumSource(Wire.class)
    void twentyMebibyteBlobRoundTrip(Wire wire) throws SQLException {
        byte[] blob = new byte[20 * (int) MIB];
        new Random(20L + wire.ordinal()).nextBytes(blob);
        String sha = sha256(blob);
        int asBytes = 10 * (wire.ordinal() + 1);
        int asStream = asBytes + 1;
        try (Connection p = proxy.connect(wire.properties)) {
            try (PreparedStatement delete = p.prepareStatement("DELETE FROM eq_blob WHERE id IN (?, ?)")) {
                delete.setInt(1, asBytes);
                delete.setInt(2, asStream);
                delete.executeUpdate();
            }
            try (PreparedStatement insert = p.prepareStatement("INSERT INTO eq_blob VALUES (?, ?)")) {
                // One packet of more than 16 MiB (split into two physical packets) ...
                insert.setInt(1, asBytes);
                insert.setBytes(2, blob);
                assertEquals(1, insert.executeUpdate());
                // ... and, with server-side statements, COM_STMT_SEND_LONG_DATA chunks.
                insert.setInt(1, asStream);
                insert.setBinaryStream(2, new ByteArrayInputStream(blob), blob.length);
                assertEquals(1, insert.executeUpdate());
            }
            for (int id : List.of(asBytes, asStream)) {
                assertEquals(
                        sha,
                        queryString(p, "SELECT SHA2(b, 256) FROM eq_blob WHERE id = ?", id),
                        "what the server stored for row " + id);
                assertEquals(sha, sha256(queryBytes(p, id)), "row " + id + " read back through the proxy");
            }
        }
        try (Connection d = ProxyFixture.connectDirect(bed, wire.properties)) {
            assertArrayEquals(blob, queryBytes(d, asStream), "row read back directly");
        }
    }

    /**
     * A million rows (about 110 MB) streamed through the proxy, which runs in this JVM: first read slowly, so that
     * a proxy that ignored backpressure would have the whole result in its buffers, then at full speed. Neither
     * heap nor Netty's buffer memory may grow by more than a fraction of the result: 16 MiB, less than the ~55 MB half
     * of the rows take, so a proxy that kept what it relayed (on heap or in buffers) until the end fails half way.
     */
    @Test
    void millionRowStreamIsNotBufferedByTheProxy() throws Exception {
        int rowCount = 1_000_000;
        long[] before = memory();
        List<String> report = new ArrayList<>();
        List<Executable> checks = new ArrayList<>();
        long rows = 0;
        long sum = 0;
        try (Connection c = proxy.connect("useCursorFetch=false&useServerPrepStmts=false");
                Statement st = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            st.setFetchSize(Integer.MIN_VALUE);
            try (ResultSet rs = st.executeQuery("SELECT seq, REPEAT(CHAR(65 + seq % 26), 100) AS filler FROM "
                    + ServerFlavour.current().sequence(1, rowCount))) {
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (System.nanoTime() < deadline && rs.next()) {
                    rows++;
                    sum += checkRow(rs, rows);
                    Awaits.pace(Duration.ofMillis(10), "a slow client: the proxy must not read ahead for it");
                }
                assertTrue(rows > 0 && rows < rowCount / 10, "the slow phase read " + rows + " rows");
                sample("after a slow start (" + rows + " rows)", before, 16 * MIB, report, checks);
                while (rs.next()) {
                    rows++;
                    sum += checkRow(rs, rows);
                    if (rows == rowCount / 2) {
                        sample("half way", before, 16 * MIB, report, checks);
                    }
                }
                sample("at the end", before, 16 * MIB, report, checks);
            }
        }
        LOG.info("Streaming {} rows through the proxy: {}", rows, report);
        assertEquals(rowCount, rows);
        assertEquals((long) rowCount * (rowCount + 1) / 2, sum);
        assertAll(checks);
    }

    // ---- running one item ----

    private static List<String> outcome(Connection c, Item item, Wire wire) {
        List<String> out = new ArrayList<>();
        try {
            Statement statement;
            boolean isResultSet;
            if (wire == Wire.TEXT && item.params().isEmpty()) {
                statement = c.createStatement();
                isResultSet = statement.execute(item.sql());
            } else {
                PreparedStatement ps = c.prepareStatement(item.sql());
                for (int i = 0; i < item.params().size(); i++) {
                    ps.setObject(i + 1, item.params().get(i));
                }
                statement = ps;
                isResultSet = ps.execute();
            }
            try (statement) {
                while (true) {
                    if (isResultSet) {
                        try (ResultSet rs = statement.getResultSet()) {
                            describe(rs, out);
                        }
                    } else {
                        int count = statement.getUpdateCount();
                        if (count == -1) {
                            break;
                        }
                        out.add("update count " + count);
                    }
                    isResultSet = statement.getMoreResults();
                }
                for (SQLWarning w = statement.getWarnings(); w != null; w = w.getNextWarning()) {
                    out.add("warning " + w.getErrorCode() + " " + w.getSQLState() + " " + w.getMessage());
                }
            }
        } catch (SQLException e) {
            out.add("error " + e.getErrorCode() + " " + e.getSQLState() + " " + e.getMessage());
        }
        return out;
    }

    private static void describe(ResultSet rs, List<String> out) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int columns = meta.getColumnCount();
        for (int i = 1; i <= columns; i++) {
            out.add("column " + i + ": label=" + meta.getColumnLabel(i) + " name=" + meta.getColumnName(i)
                    + " table=" + meta.getTableName(i) + " catalog=" + meta.getCatalogName(i)
                    + " type=" + meta.getColumnType(i) + "/" + meta.getColumnTypeName(i)
                    + " class=" + meta.getColumnClassName(i) + " precision=" + meta.getPrecision(i)
                    + " scale=" + meta.getScale(i) + " size=" + meta.getColumnDisplaySize(i)
                    + " nullable=" + meta.isNullable(i) + " signed=" + meta.isSigned(i)
                    + " autoincrement=" + meta.isAutoIncrement(i) + " case=" + meta.isCaseSensitive(i));
        }
        int rows = 0;
        while (rs.next()) {
            rows++;
            StringBuilder row = new StringBuilder("row");
            for (int i = 1; i <= columns; i++) {
                row.append(" | ").append(value(rs, i));
            }
            out.add(row.toString());
        }
        out.add("rows " + rows);
    }

    /** The value as Connector/J's getObject gives it (class and content) and as getString gives it. */
    private static String value(ResultSet rs, int column) {
        try {
            Object object = rs.getObject(column);
            if (object == null) {
                return "NULL" + (rs.wasNull() ? "" : " (wasNull false!)");
            }
            String content =
                    object instanceof byte[] bytes ? "0x" + HexFormat.of().formatHex(bytes) : object.toString();
            return object.getClass().getSimpleName() + ":" + content + " / " + rs.getString(column);
        } catch (SQLException e) {
            return "exception " + e.getErrorCode() + " " + e.getMessage();
        }
    }

    // ---- blob and stream helpers ----

    private static String queryString(Connection c, String sql, int id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), sql);
                String value = rs.getString(1);
                assertFalse(rs.next());
                return value;
            }
        }
    }

    private static byte[] queryBytes(Connection c, int id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT b FROM eq_blob WHERE id = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "row " + id);
                byte[] value = rs.getBytes(1);
                assertFalse(rs.next());
                return value;
            }
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long checkRow(ResultSet rs, long expected) throws SQLException {
        long seq = rs.getLong(1);
        String filler = rs.getString(2);
        if (seq != expected || filler.length() != 100 || filler.charAt(0) != (char) ('A' + seq % 26)) {
            throw new AssertionError("row " + expected + " came as " + seq + ", '" + filler + "'");
        }
        return seq;
    }

    /**
     * Java heap live after full collections (once two, 100 ms apart, agree within 2 MiB: what one frees may
     * release more for the next, through cleaners), Netty's pooled buffer memory, Netty's direct memory counter.
     *
     * <p>The heap figure is what the last full collection left in use, read from the pools' collection usage, not
     * the heap in use when read: the proxy's event loop keeps relaying what is already in flight for a while after
     * the client stops reading, and at PARANOID every packet header it reads records a leak trace (a stack trace,
     * about 1 KiB). That is garbage, but tens of MiB of it can pile up between a collection and a later reading of
     * {@code getHeapMemoryUsage()}, and how much depends on how fast the machine is, not on what the proxy holds.
     */
    private static long[] memory() {
        AtomicLong last = new AtomicLong(Long.MAX_VALUE);
        Awaits.within(Duration.ofSeconds(10), "the heap settles under full collections")
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    System.gc();
                    long used = heapAfterLastCollection();
                    return Math.abs(last.getAndSet(used) - used) < 2 * MIB;
                });
        long heap = last.get();
        long netty = -1;
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            netty = metric.usedDirectMemory() + metric.usedHeapMemory();
        }
        return new long[] {heap, netty, PlatformDependent.usedDirectMemory()};
    }

    private static long heapAfterLastCollection() {
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage afterCollection = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (afterCollection != null) {
                heap += afterCollection.getUsed();
            }
        }
        return heap;
    }

    private static void sample(String when, long[] before, long limit, List<String> report, List<Executable> checks) {
        long[] now = memory();
        String[] names = {"heap", "netty allocator", "netty direct"};
        StringBuilder line = new StringBuilder(when + ":");
        for (int i = 0; i < names.length; i++) {
            if (before[i] < 0 || now[i] < 0) {
                continue;
            }
            long growth = now[i] - before[i];
            String name = names[i];
            line.append(' ').append(name).append(" +").append(growth / 1024).append(" KiB");
            Supplier<String> message = () -> name + " grew by " + growth / MIB + " MiB " + when;
            checks.add(() -> assertTrue(growth < limit, message));
        }
        report.add(line.toString());
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.protocol.flag.MariaDbCapability;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.ExtendedTypeInfo;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MariaDB's extended capabilities through the proxy, against MariaDB 10.11 itself: the proxy offers
 * extended column metadata and nothing else of MariaDB's word, and with it a JSON (and INET6, UUID)
 * column's metadata is byte for byte what the server sends a client connected directly with the
 * same capabilities, to a raw client and to MariaDB's own Connector/J. A prepared EXPLAIN executed
 * again gets its column definitions every time, since CACHE_METADATA never reaches a server. The
 * proxy's own result sets (SHOW PROXY STATS) carry the extended field too.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides("mysql-proxy.users = [ { name = app, password = app-secret, auth-plugin = mysql_native_password,"
        + " admin = true } ]")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MariaDbCapabilitiesIT {

    private static final int EXTENDED_METADATA = MariaDbCapability.EXTENDED_METADATA.mask();
    private static final int CACHE_METADATA = MariaDbCapability.CACHE_METADATA.mask();
    /** Every bit of MariaDB's word a client could ask for. */
    private static final int EVERYTHING = MariaDbCapability.maskOf(MariaDbCapability.values());

    private static final String SELECT = "SELECT * FROM caps_json ORDER BY id";
    private static final String PREPARED = "SELECT doc, addr, u FROM caps_json WHERE id = ?";
    private static final String EXPLAIN = "EXPLAIN SELECT * FROM caps_json WHERE id = ?";

    private final ReplicatedTestBed bed;
    private final ProxyFixture proxy;

    MariaDbCapabilitiesIT(ReplicatedTestBed bed, ProxyFixture proxy) {
        this.bed = bed;
        this.proxy = proxy;
    }

    /** MySQL has neither the extended capabilities nor the INET6 and UUID types; its pass skips this class. */
    @BeforeAll
    void createTable() throws SQLException {
        Assumptions.assumeTrue(bed.flavour() == ServerFlavour.MARIADB, "MariaDB's extended capabilities");
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS caps_json");
            st.execute("CREATE TABLE caps_json (id INT PRIMARY KEY, doc JSON, addr INET6, u UUID, note VARCHAR(10))");
            st.execute("INSERT INTO caps_json VALUES (1, '{\"k\": [1, 2.5, \"ü\"]}', '2001:db8::1',"
                    + " '123e4567-e89b-12d3-a456-426655440000', 'one'), (2, NULL, NULL, NULL, NULL),"
                    + " (3, '[]', '::ffff:10.0.0.1', '00000000-0000-0000-0000-000000000000', '')");
        }
        bed.awaitReplication();
    }

    @Test
    void theGreetingOffersExtendedMetadataAndNoOtherMariaDbCapability() throws IOException {
        int primaryOffers;
        try (RawClient direct = new RawClient(bed.primary().port())) {
            primaryOffers = direct.greeting().mariaDbCapabilities();
        }
        assertEquals(
                0x1d,
                primaryOffers,
                "MariaDB 10.11: PROGRESS, STMT_BULK_OPERATIONS, EXTENDED_METADATA, CACHE_METADATA");
        try (RawClient viaProxy = new RawClient(proxy.port())) {
            assertEquals(EXTENDED_METADATA, viaProxy.greeting().mariaDbCapabilities());
        }
    }

    /**
     * The acceptance test: a client asking for every MariaDB capability through the proxy gets the
     * same bytes, column definitions with their extended type information included, as a client
     * that negotiated extended metadata with the primary directly.
     */
    @Test
    void jsonColumnMetadataIsTheServersOwnByteForByte() throws IOException {
        try (RawClient viaProxy = new RawClient(proxy.port());
                RawClient direct = new RawClient(bed.primary().port())) {
            login(viaProxy, EVERYTHING);
            login(direct, EXTENDED_METADATA);

            List<byte[]> proxied = viaProxy.command(query(SELECT));
            assertEquals(hex(direct.command(query(SELECT))), hex(proxied));
            List<ExtendedTypeInfo> extended = new ArrayList<>();
            for (byte[] column : proxied.subList(1, 6)) {
                extended.add(ColumnDefinition41.decode(Unpooled.wrappedBuffer(column), EXTENDED_METADATA)
                        .extended());
            }
            assertEquals(
                    List.of(
                            ExtendedTypeInfo.NONE,
                            new ExtendedTypeInfo(null, "json"),
                            new ExtendedTypeInfo("inet6", null),
                            new ExtendedTypeInfo("uuid", null),
                            ExtendedTypeInfo.NONE),
                    extended);

            // Prepared: the statement ids differ (the proxy's own), everything else is the server's.
            List<byte[]> proxiedPrepare = viaProxy.command(prepare(PREPARED));
            List<byte[]> directPrepare = direct.command(prepare(PREPARED));
            assertEquals(hex(withoutStatementId(directPrepare)), hex(withoutStatementId(proxiedPrepare)));
            assertEquals(
                    hex(direct.command(execute(statementId(directPrepare), 1))),
                    hex(viaProxy.command(execute(statementId(proxiedPrepare), 1))));
        }
    }

    /**
     * Directly, a client with CACHE_METADATA gets a prepared EXPLAIN's second result without column
     * definitions (a metadata-follows byte of 0 after the column count). Through the proxy, asked for
     * it too, every execution carries them, exactly as a direct client without the capability sees.
     */
    @Test
    void aPreparedExplainExecutedAgainCarriesItsColumnDefinitionsThroughTheProxy() throws IOException {
        try (RawClient caching = new RawClient(bed.primary().port())) {
            login(caching, EXTENDED_METADATA | CACHE_METADATA);
            int id = statementId(caching.command(prepare(EXPLAIN)));
            executeWithCachedMetadata(caching, id, 1);
            List<byte[]> again = executeWithCachedMetadata(caching, id, 2);
            assertEquals("0a00", HexFormat.of().formatHex(again.get(0)), "the server skips the metadata");
            assertEquals(3, again.size(), "column count, one row, OK: no column definitions");
        }
        try (RawClient viaProxy = new RawClient(proxy.port());
                RawClient direct = new RawClient(bed.primary().port())) {
            login(viaProxy, EVERYTHING);
            login(direct, EXTENDED_METADATA);
            int proxiedId = statementId(viaProxy.command(prepare(EXPLAIN)));
            int directId = statementId(direct.command(prepare(EXPLAIN)));
            for (int parameter : new int[] {1, 2, 1}) {
                List<byte[]> proxied = viaProxy.command(execute(proxiedId, parameter));
                List<byte[]> expected = direct.command(execute(directId, parameter));
                assertEquals("0a", HexFormat.of().formatHex(proxied.get(0)), "ten columns, no metadata-follows byte");
                assertEquals(hex(expected.subList(0, 11)), hex(proxied.subList(0, 11)), "execution " + parameter);
                assertEquals(13, proxied.size(), "column count, ten columns, one row, OK");
            }
        }
    }

    /** MariaDB's Connector/J, text and binary protocol: the same metadata and values as directly; JSON is JSON. */
    @ParameterizedTest(name = "useServerPrepStmts={0}")
    @ValueSource(booleans = {false, true})
    void mariaDbConnectorJSeesTheSameColumnsDirectAndThroughTheProxy(boolean serverPrepared) throws SQLException {
        List<String> direct;
        List<String> proxied;
        String properties = "useServerPrepStmts=" + serverPrepared;
        try (Connection d = mariaDb(bed.primary().port(), properties);
                Connection p = mariaDb(proxy.port(), properties)) {
            direct = describe(d, "SELECT * FROM caps_json WHERE id >= ? ORDER BY id", 1);
            proxied = describe(p, "SELECT * FROM caps_json WHERE id >= ? ORDER BY id", 1);
        }
        assertEquals(direct, proxied);
        assertTrue(direct.contains("doc: JSON, type -1, java.lang.String, nullable 1"), String.valueOf(direct));
    }

    /**
     * The proxy's own result sets, to a driver that negotiated extended metadata: each column
     * definition carries the (empty) extended type information the driver reads by position.
     */
    @Test
    void mariaDbConnectorJReadsTheProxysOwnResultSets() throws SQLException {
        try (Connection p = mariaDb(proxy.port(), "");
                Statement st = p.createStatement();
                ResultSet rs = st.executeQuery("SHOW PROXY STATS")) {
            ResultSetMetaData meta = rs.getMetaData();
            assertEquals(
                    "name VARCHAR, value BIGINT",
                    meta.getColumnLabel(1) + " " + meta.getColumnTypeName(1) + ", " + meta.getColumnLabel(2) + " "
                            + meta.getColumnTypeName(2));
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
                assertTrue(rs.getLong(2) >= 0, rs.getString(1));
            }
            assertTrue(names.contains("client_connections"), String.valueOf(names));
        }
    }

    /** The case CACHE_METADATA changes, with the driver that uses it: a server-side prepared EXPLAIN run again. */
    @Test
    void mariaDbConnectorJsPreparedExplainRunAgainGivesTheSameResults() throws SQLException {
        String properties = "useServerPrepStmts=true";
        try (Connection d = mariaDb(bed.primary().port(), properties);
                Connection p = mariaDb(proxy.port(), properties);
                PreparedStatement direct = d.prepareStatement(EXPLAIN);
                PreparedStatement proxied = p.prepareStatement(EXPLAIN)) {
            for (int parameter : new int[] {1, 2, 1, 3}) {
                assertEquals(run(direct, parameter), run(proxied, parameter), "execution with " + parameter);
            }
        }
    }

    /**
     * A COM_STMT_EXECUTE response under CACHE_METADATA, read by hand since the proxy's response
     * tracker does not know that layout: the column count and its metadata-follows byte, the column
     * definitions only if that byte is 1, then binary rows up to the OK with the 0xFE header.
     */
    private static List<byte[]> executeWithCachedMetadata(RawClient client, int statementId, int parameter)
            throws IOException {
        client.sendRaw(RawClient.frame(0, execute(statementId, parameter)));
        List<byte[]> packets = new ArrayList<>();
        byte[] count = payload(client.readFrame());
        assertEquals(2, count.length, "a column count and a metadata-follows byte");
        packets.add(count);
        if (count[1] == 1) {
            for (int i = 0; i < count[0]; i++) {
                packets.add(payload(client.readFrame()));
            }
        }
        byte[] packet;
        do {
            packet = payload(client.readFrame());
            packets.add(packet);
        } while ((packet[0] & 0xff) != 0xfe || packet.length >= 9);
        return packets;
    }

    private static byte[] payload(byte[] frame) {
        assertTrue(frame != null && frame.length > 4, "a packet");
        return Arrays.copyOfRange(frame, 4, frame.length);
    }

    /** MariaDB's Connector/J to {@code port}; a reply that never comes fails the test after 10 s instead of hanging it. */
    private static Connection mariaDb(int port, String properties) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mariadb://127.0.0.1:" + port + "/" + ReplicatedTestBed.APP_DATABASE + "?socketTimeout=10000&"
                        + properties,
                DbAccount.APP.user(),
                DbAccount.APP.password());
    }

    /** Each column's metadata as the driver reports it, then each value with its Java class. */
    private static List<String> describe(Connection connection, String sql, int parameter) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            return run(statement, parameter);
        }
    }

    private static List<String> run(PreparedStatement statement, int parameter) throws SQLException {
        statement.setInt(1, parameter);
        List<String> lines = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                lines.add(meta.getColumnLabel(i) + ": " + meta.getColumnTypeName(i) + ", type " + meta.getColumnType(i)
                        + ", " + meta.getColumnClassName(i) + ", nullable " + meta.isNullable(i));
                lines.add("  precision " + meta.getPrecision(i) + ", scale " + meta.getScale(i) + ", display "
                        + meta.getColumnDisplaySize(i) + ", table " + meta.getTableName(i) + ", schema "
                        + meta.getCatalogName(i));
            }
            while (rs.next()) {
                StringBuilder row = new StringBuilder("row");
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object value = rs.getObject(i);
                    row.append(" | ")
                            .append(value == null ? "NULL" : value.getClass().getName() + " " + value);
                }
                lines.add(row.toString());
            }
        }
        return lines;
    }

    private static void login(RawClient client, int mariaDbCapabilities) throws IOException {
        assertEquals(
                0,
                client.login(
                        DbAccount.APP.user(),
                        DbAccount.APP.password(),
                        ReplicatedTestBed.APP_DATABASE,
                        mariaDbCapabilities),
                "login");
    }

    private static byte[] query(String sql) {
        return command(0x03, sql.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] prepare(String sql) {
        return command(0x16, sql.getBytes(StandardCharsets.UTF_8));
    }

    /** COM_STMT_EXECUTE, no cursor, one iteration, one INT parameter (typed MYSQL_TYPE_LONG). */
    private static byte[] execute(int statementId, int parameter) {
        return command(0x17, new byte[] {
            (byte) statementId,
            (byte) (statementId >> 8),
            (byte) (statementId >> 16),
            (byte) (statementId >> 24),
            0x00,
            0x01,
            0x00,
            0x00,
            0x00,
            0x00,
            0x01,
            0x03,
            0x00,
            (byte) parameter,
            0x00,
            0x00,
            0x00
        });
    }

    private static byte[] command(int code, byte[] arguments) {
        byte[] payload = new byte[1 + arguments.length];
        payload[0] = (byte) code;
        System.arraycopy(arguments, 0, payload, 1, arguments.length);
        return payload;
    }

    /** The statement id of a COM_STMT_PREPARE OK, the first packet of its response. */
    private static int statementId(List<byte[]> prepareResponse) {
        byte[] ok = prepareResponse.get(0);
        assertEquals(0, ok[0], "a prepare OK");
        return (ok[1] & 0xff) | (ok[2] & 0xff) << 8 | (ok[3] & 0xff) << 16 | (ok[4] & 0xff) << 24;
    }

    private static List<byte[]> withoutStatementId(List<byte[]> prepareResponse) {
        List<byte[]> packets = new ArrayList<>(prepareResponse);
        byte[] ok = packets.get(0).clone();
        ok[1] = ok[2] = ok[3] = ok[4] = 0;
        packets.set(0, ok);
        return packets;
    }

    private static List<String> hex(List<byte[]> packets) {
        return packets.stream().map(HexFormat.of()::formatHex).toList();
    }
}

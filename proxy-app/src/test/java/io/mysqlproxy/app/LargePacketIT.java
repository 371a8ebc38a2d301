package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Values of 16 MiB and more written through the proxy in every way Connector/J sends them, then read back: as
 * COM_QUERY text, inline in COM_STMT_EXECUTE, and as COM_STMT_SEND_LONG_DATA in 1 MiB chunks or in one packet.
 * Each such packet arrives as 0xffffff-byte frames and the frames that continue it. Plain SQL only (SHA2, LONGBLOB),
 * so that the class runs against any server flavour of the test bed, whose max_allowed_packet is 64 MiB.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides(ProxyFixture.NATIVE_PASSWORD_APP)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LargePacketIT {

    private static final int MIB = 1024 * 1024;
    private static final String INSERT = "INSERT INTO large_packet (id, b) VALUES (?, ?)";

    /** How the value travels. */
    enum Path {
        /** COM_QUERY: the value quoted into the statement (a client-side prepared statement). */
        QUERY("useServerPrepStmts=false", 0),
        /** COM_STMT_EXECUTE carrying the value: id (INT), then the bytes with a 9-byte length. */
        EXECUTE("useServerPrepStmts=true", 1 + 4 + 1 + 4 + 1 + 1 + 2 * 2 + 4 + 9),
        /** COM_STMT_SEND_LONG_DATA in Connector/J's default 1 MiB chunks, then a small COM_STMT_EXECUTE. */
        LONG_DATA_CHUNKS("useServerPrepStmts=true", 0),
        /** COM_STMT_SEND_LONG_DATA of up to 60 MiB in one packet: command, statement id, parameter id, bytes. */
        LONG_DATA_WHOLE("useServerPrepStmts=true&blobSendChunkSize=" + 60 * MIB, 1 + 4 + 2);

        final String properties;
        /** Bytes of the packet that carries the value besides the value itself; 0 where no one packet does. */
        final int overhead;

        Path(String properties, int overhead) {
            this.properties = properties;
            this.overhead = overhead;
        }

        void bind(PreparedStatement insert, int id, byte[] value) throws SQLException {
            insert.setInt(1, id);
            switch (this) {
                case QUERY -> insert.setString(2, new String(value, StandardCharsets.US_ASCII));
                case EXECUTE -> insert.setBytes(2, value);
                case LONG_DATA_CHUNKS, LONG_DATA_WHOLE ->
                    insert.setBinaryStream(2, new ByteArrayInputStream(value), value.length);
            }
        }
    }

    private final ReplicatedTestBed bed;
    private final ProxyFixture proxy;

    LargePacketIT(ReplicatedTestBed bed, ProxyFixture proxy) {
        this.bed = bed;
        this.proxy = proxy;
    }

    @BeforeAll
    void createTable() throws SQLException {
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS large_packet");
            st.execute("CREATE TABLE large_packet (id INT PRIMARY KEY, b LONGBLOB)");
        }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void twentyAndFortyMebibytesAreStoredAndReadBackWhole(Path path) throws SQLException {
        try (Connection c = proxy.connect(path.properties);
                PreparedStatement insert = c.prepareStatement(INSERT)) {
            int id = 100 * (path.ordinal() + 1);
            for (int size : new int[] {20 * MIB, 40 * MIB}) {
                byte[] value = letters(size, id);
                path.bind(insert, id, value);
                assertEquals(1, insert.executeUpdate(), path + ", " + size + " bytes");
                assertEquals(sha256(value), storedSha256(c, id), "what the server stored, row " + id);
                assertEquals(sha256(value), sha256(readBack(c, id)), "row " + id + " read back through the proxy");
                id++;
            }
        }
    }

    /**
     * Packets that end exactly at a frame boundary (then an empty frame ends them), one byte either side of it,
     * and a value just under the 64 MiB limit.
     */
    @ParameterizedTest
    @EnumSource(Path.class)
    void packetsEndingAtAFrameBoundaryAndNearTheLimit(Path path) throws SQLException {
        int boundary = 2 * 0xffffff - path.overhead;
        int[] sizes =
                path.overhead == 0 ? new int[] {63 * MIB} : new int[] {boundary - 1, boundary, boundary + 1, 63 * MIB};
        try (Connection c = proxy.connect(path.properties);
                PreparedStatement insert = c.prepareStatement(INSERT)) {
            int id = 1000 * (path.ordinal() + 1);
            for (int size : sizes) {
                byte[] value = letters(size, id);
                path.bind(insert, id, value);
                assertEquals(1, insert.executeUpdate(), path + ", " + size + " bytes");
                assertEquals(sha256(value), storedSha256(c, id), "what the server stored, row " + id);
                id++;
            }
        }
    }

    /**
     * Executed again once the session gave its connection back: the statement is prepared again on the next
     * connection before the large execution goes out there.
     */
    @ParameterizedTest
    @EnumSource(
            value = Path.class,
            names = {"EXECUTE", "LONG_DATA_WHOLE"})
    void executedAgainAfterTheConnectionWentBack(Path path) throws Exception {
        String overrides = ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.backends.pool.return-after-idle = 100ms";
        try (ProxyFixture returning = ProxyFixture.start(bed, overrides);
                Connection c = returning.connect(path.properties);
                PreparedStatement insert = c.prepareStatement(INSERT)) {
            int first = 10_000 * (path.ordinal() + 1);
            for (int id = first; id < first + 2; id++) {
                byte[] value = letters(20 * MIB, id);
                path.bind(insert, id, value);
                Thread.sleep(500); // idle long enough for the connection to go back
                assertEquals(1, insert.executeUpdate(), path + ", row " + id);
                assertEquals(sha256(value), storedSha256(c, id), "what the server stored, row " + id);
            }
        }
    }

    private static String storedSha256(Connection c, int id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT SHA2(b, 256) FROM large_packet WHERE id = ?")) {
            select.setInt(1, id);
            try (ResultSet rs = select.executeQuery()) {
                assertTrue(rs.next(), "row " + id);
                return rs.getString(1);
            }
        }
    }

    private static byte[] readBack(Connection c, int id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT b FROM large_packet WHERE id = ?")) {
            select.setInt(1, id);
            try (ResultSet rs = select.executeQuery()) {
                assertTrue(rs.next(), "row " + id);
                return rs.getBytes(1);
            }
        }
    }

    /** Random lower-case letters: the same bytes as binary and as text, with nothing to escape in a query. */
    private static byte[] letters(int size, long seed) {
        byte[] bytes = new byte[size];
        Random random = new Random(seed);
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ('a' + random.nextInt(26));
        }
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

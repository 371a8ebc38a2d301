package io.mysqlproxy.protocol.golden;

import io.mysqlproxy.protocol.flag.MariaDbCapability;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.EofPacket;
import io.mysqlproxy.protocol.packet.ExtendedTypeInfo;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.ServerPacket;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;
import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packets of the result sets the proxy answers itself, against MariaDB's own: every column
 * definition and text row of the captured COM_QUERY result sets decodes and re-encodes to the same
 * bytes, and a {@link TextResultSet} made of a captured result set's columns, rows and status is
 * byte for byte the server's response, headers and sequence ids included, with DEPRECATE_EOF on and
 * off, and with MariaDB's extended column metadata negotiated.
 */
class GoldenResultSetTest {

    private static final String[] FILES = {
        "mariadb-commands-deprecate-eof-on.golden",
        "mariadb-commands-deprecate-eof-off.golden",
        GoldenCapture.EXTENDED_METADATA_FILE
    };

    /** A result set of a captured response, decoded. */
    private record Decoded(List<ColumnDefinition41> columns, List<TextRow> rows, int status) {}

    @ParameterizedTest
    @ValueSource(
            strings = {
                "mariadb-commands-deprecate-eof-on.golden",
                "mariadb-commands-deprecate-eof-off.golden",
                GoldenCapture.EXTENDED_METADATA_FILE
            })
    void everyColumnDefinitionAndTextRowRoundTrips(String file) {
        GoldenExchange exchange = GoldenExchange.load(file);
        int columns = 0;
        int rows = 0;
        for (GoldenExchange.Section section : exchange.sections()) {
            if (!section.name().startsWith("COM_QUERY") || section.name().contains("local infile")) {
                continue;
            }
            for (Decoded result : decode(section, exchange)) {
                columns += result.columns().size();
                rows += result.rows().size();
            }
        }
        boolean extended = file.equals(GoldenCapture.EXTENDED_METADATA_FILE);
        assertTrue(
                columns >= (extended ? 8 : 9) && rows >= (extended ? 3 : 8),
                columns + " columns and " + rows + " rows checked");
    }

    /**
     * MariaDB 10.11 offers MARIADB_CLIENT_EXTENDED_METADATA (with PROGRESS, STMT_BULK_OPERATIONS and
     * CACHE_METADATA: 0x1d) and, once negotiated, describes a JSON column by its format "json", INET6
     * and UUID by their type names, and a plain VARCHAR by an empty string.
     */
    @Test
    void extendedMetadataNamesTheTypesItExtends() {
        GoldenExchange exchange = GoldenExchange.load(GoldenCapture.EXTENDED_METADATA_FILE);
        assertEquals(
                MariaDbCapability.maskOf(
                        MariaDbCapability.PROGRESS,
                        MariaDbCapability.STMT_BULK_OPERATIONS,
                        MariaDbCapability.EXTENDED_METADATA,
                        MariaDbCapability.CACHE_METADATA),
                exchange.greeting().mariaDbCapabilities());
        assertEquals(MariaDbCapability.EXTENDED_METADATA.mask(), exchange.mariaDbCapabilities());
        List<Decoded> results = decode(exchange.section("COM_QUERY select"), exchange);
        List<ExtendedTypeInfo> extended = results.get(0).columns().stream()
                .map(ColumnDefinition41::extended)
                .toList();
        assertEquals(
                List.of(
                        ExtendedTypeInfo.NONE,
                        new ExtendedTypeInfo(null, "json"),
                        new ExtendedTypeInfo("inet6", null),
                        new ExtendedTypeInfo("uuid", null),
                        ExtendedTypeInfo.NONE),
                extended);
    }

    /** The same column bytes read without the capability are not a column definition: the field is positional. */
    @Test
    void extendedMetadataIsReadOnlyWhenNegotiated() {
        GoldenExchange exchange = GoldenExchange.load(GoldenCapture.EXTENDED_METADATA_FILE);
        byte[] json = exchange.section("COM_QUERY select").server().get(2).payload();
        assertThrows(ProtocolException.class, () -> ColumnDefinition41.decode(Unpooled.wrappedBuffer(json)));
        ColumnDefinition41 column =
                ColumnDefinition41.decode(Unpooled.wrappedBuffer(json), MariaDbCapability.EXTENDED_METADATA.mask());
        assertEquals("doc", column.name());
        ByteBuf plain = Unpooled.buffer();
        try {
            column.encode(plain, exchange.capabilities());
            String withField = HexFormat.of().formatHex(json);
            assertEquals(
                    withField.replace("03646f630601046a736f6e0c", "03646f630c"),
                    HexFormat.of().formatHex(ByteBufUtil.getBytes(plain)),
                    "without the capability the field is left out");
        } finally {
            plain.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"COM_QUERY select", "COM_QUERY empty result"})
    void aTextResultSetIsTheServersOwnResponse(String name) {
        for (String file : FILES) {
            GoldenExchange exchange = GoldenExchange.load(file);
            GoldenExchange.Section section = exchange.section(name);
            List<Decoded> results = decode(section, exchange);
            assertEquals(1, results.size(), name);
            Decoded result = results.get(0);
            ByteBuf frames = new TextResultSet(result.columns(), result.rows())
                    .toFrames(
                            UnpooledByteBufAllocator.DEFAULT,
                            result.status(),
                            exchange.capabilities(),
                            exchange.mariaDbCapabilities());
            try {
                assertArrayEquals(section.serverBytes(), ByteBufUtil.getBytes(frames), file + " / " + name);
            } finally {
                frames.release();
            }
        }
    }

    /** Walks a response's result sets, checking that each column definition and row re-encodes identically. */
    private static List<Decoded> decode(GoldenExchange.Section section, GoldenExchange exchange) {
        boolean deprecateEof = exchange.deprecateEof();
        int capabilities = exchange.capabilities();
        int mariaDbCapabilities = exchange.mariaDbCapabilities();
        List<GoldenExchange.Packet> server = section.server();
        List<Decoded> results = new ArrayList<>();
        int i = 0;
        while (i < server.size()) {
            byte[] first = server.get(i++).payload();
            if (first[0] == 0x00 || first[0] == (byte) 0xff) {
                continue; // the OK or ERR of one statement of a multi-statement text
            }
            long count = Lenenc.readInt(Unpooled.wrappedBuffer(first));
            List<ColumnDefinition41> columns = new ArrayList<>();
            for (long c = 0; c < count; c++) {
                byte[] payload = server.get(i++).payload();
                ColumnDefinition41 column =
                        ColumnDefinition41.decode(Unpooled.wrappedBuffer(payload), mariaDbCapabilities);
                ByteBuf buf = Unpooled.buffer();
                try {
                    column.encode(buf, capabilities, mariaDbCapabilities);
                    assertArrayEquals(payload, ByteBufUtil.getBytes(buf), section.name() + ": " + column);
                } finally {
                    buf.release();
                }
                columns.add(column);
            }
            if (!deprecateEof) {
                i++;
            }
            List<TextRow> rows = new ArrayList<>();
            while (!isEnd(server.get(i).payload())) {
                rows.add(roundTrip(
                        TextRow.decode(Unpooled.wrappedBuffer(server.get(i).payload())),
                        server.get(i++).payload(),
                        capabilities,
                        section));
            }
            byte[] end = server.get(i++).payload();
            int status = deprecateEof
                    ? OkPacket.decode(Unpooled.wrappedBuffer(end), capabilities).statusFlags()
                    : EofPacket.decode(Unpooled.wrappedBuffer(end)).statusFlags();
            results.add(new Decoded(columns, rows, status));
        }
        return results;
    }

    /** A 0xFE packet shorter than a 16 MiB row ends the rows (EOF, or OK under DEPRECATE_EOF). */
    private static boolean isEnd(byte[] payload) {
        return payload.length > 0 && (payload[0] & 0xff) == 0xfe && payload.length < 0xffffff;
    }

    private static <P extends ServerPacket> P roundTrip(
            P packet, byte[] payload, int capabilities, GoldenExchange.Section section) {
        ByteBuf buf = Unpooled.buffer();
        try {
            packet.encode(buf, capabilities);
            assertArrayEquals(payload, ByteBufUtil.getBytes(buf), section.name() + ": " + packet);
        } finally {
            buf.release();
        }
        return packet;
    }
}

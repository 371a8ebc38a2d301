package io.mysqlproxy.protocol.golden;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.EofPacket;
import io.mysqlproxy.protocol.packet.HandshakeResponse41;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.packet.ServerPacket;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;
import io.mysqlproxy.protocol.wire.Lenenc;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packets of the result sets the proxy answers itself, against MariaDB's own: every column
 * definition and text row of the captured COM_QUERY result sets decodes and re-encodes to the same
 * bytes, and a {@link TextResultSet} made of a captured result set's columns, rows and status is
 * byte for byte the server's response, headers and sequence ids included, with DEPRECATE_EOF on and off.
 */
class GoldenResultSetTest {

    private static final String[] FILES = {
        "mariadb-commands-deprecate-eof-on.golden", "mariadb-commands-deprecate-eof-off.golden"
    };

    /** A result set of a captured response, decoded. */
    private record Decoded(List<ColumnDefinition41> columns, List<TextRow> rows, int status) {}

    @ParameterizedTest
    @ValueSource(strings = {"mariadb-commands-deprecate-eof-on.golden", "mariadb-commands-deprecate-eof-off.golden"})
    void everyColumnDefinitionAndTextRowRoundTrips(String file) {
        GoldenExchange exchange = GoldenExchange.load(file);
        int capabilities = capabilities(exchange);
        int columns = 0;
        int rows = 0;
        for (GoldenExchange.Section section : exchange.sections()) {
            if (!section.name().startsWith("COM_QUERY") || section.name().contains("local infile")) {
                continue;
            }
            for (Decoded result : decode(section, exchange.deprecateEof(), capabilities)) {
                columns += result.columns().size();
                rows += result.rows().size();
            }
        }
        assertTrue(columns >= 9 && rows >= 8, columns + " columns and " + rows + " rows checked");
    }

    @ParameterizedTest
    @ValueSource(strings = {"COM_QUERY select", "COM_QUERY empty result"})
    void aTextResultSetIsTheServersOwnResponse(String name) {
        for (String file : FILES) {
            GoldenExchange exchange = GoldenExchange.load(file);
            int capabilities = capabilities(exchange);
            assertEquals(exchange.deprecateEof(), Capability.DEPRECATE_EOF.isSet(capabilities), file);
            GoldenExchange.Section section = exchange.section(name);
            List<Decoded> results = decode(section, exchange.deprecateEof(), capabilities);
            assertEquals(1, results.size(), name);
            Decoded result = results.get(0);
            ByteBuf frames = new TextResultSet(result.columns(), result.rows())
                    .toFrames(UnpooledByteBufAllocator.DEFAULT, result.status(), capabilities);
            try {
                assertArrayEquals(section.serverBytes(), ByteBufUtil.getBytes(frames), file + " / " + name);
            } finally {
                frames.release();
            }
        }
    }

    /** Walks a response's result sets, checking that each column definition and row re-encodes identically. */
    private static List<Decoded> decode(GoldenExchange.Section section, boolean deprecateEof, int capabilities) {
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
                columns.add(roundTrip(
                        ColumnDefinition41.decode(
                                Unpooled.wrappedBuffer(server.get(i).payload())),
                        server.get(i++).payload(),
                        capabilities,
                        section));
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

    private static int capabilities(GoldenExchange exchange) {
        return HandshakeResponse41.decode(Unpooled.wrappedBuffer(
                        exchange.section("handshake-response").only(true).payload()))
                .capabilities();
    }
}

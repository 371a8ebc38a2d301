package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.flag.MariaDbCapability;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.result.ResponseTracker;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The proxy's own result sets, byte by byte, and as the proxy's response tracker follows them. */
class TextResultSetTest {

    private static final int STATUS = ServerStatus.AUTOCOMMIT.mask();
    private static final TextResultSet RESULT = new TextResultSet(
            List.of(ColumnDefinition41.text("name"), ColumnDefinition41.bigint("n")),
            List.of(TextRow.of("a", "1"), TextRow.of(null, null)));

    private static final String COLUMNS = ""
            + "010000 01 02" // column count 2
            + "1e0000 02 03646566 00 00 00 046e616d65 046e616d65" // def, "", "", "", name, name
            + "   0c 2d00 00100000 fd 0000 00 0000" // utf8mb4_general_ci, 4096, VAR_STRING
            + "180000 03 03646566 00 00 00 016e 016e" // def, "", "", "", n, n
            + "   0c 3f00 14000000 08 8000 00 0000"; // binary, 20, LONGLONG, BINARY_FLAG
    private static final String ROWS = ""
            + "040000 %02x 0161 0131" // 'a', '1'
            + "020000 %02x fb fb"; // NULL, NULL

    @Test
    void withoutDeprecateEofColumnsAndRowsEndWithEofPackets() {
        int capabilities = Capability.PROTOCOL_41.mask();
        String expected = COLUMNS
                + "050000 04 fe 0000 0200" // EOF: warnings 0, status AUTOCOMMIT
                + ROWS.formatted(5, 6)
                + "050000 07 fe 0000 0200";
        assertEquals(hex(expected), encode(capabilities));
    }

    @Test
    void withDeprecateEofTheRowsEndWithAnOkThatStartsWith0xFE() {
        int capabilities =
                Capability.maskOf(Capability.PROTOCOL_41, Capability.DEPRECATE_EOF, Capability.SESSION_TRACK);
        String expected =
                COLUMNS + ROWS.formatted(4, 5) + "070000 06 fe 00 00 0200 0000"; // OK: 0 rows, id 0, status, 0 warnings
        assertEquals(hex(expected), encode(capabilities));
    }

    /**
     * Under MariaDB's extended metadata every column definition has one more field after its names,
     * the extended type information, which the proxy's own columns leave empty (one 0x00 byte, as the
     * server sends for a VARCHAR): each column packet is a byte longer.
     */
    @Test
    void withMariaDbExtendedMetadataEachColumnCarriesAnEmptyExtendedTypeInfo() {
        int capabilities =
                Capability.maskOf(Capability.PROTOCOL_41, Capability.DEPRECATE_EOF, Capability.SESSION_TRACK);
        String expected = ""
                + "010000 01 02" // column count 2
                + "1f0000 02 03646566 00 00 00 046e616d65 046e616d65 00" // def, "", "", "", name, name, no ext info
                + "   0c 2d00 00100000 fd 0000 00 0000"
                + "190000 03 03646566 00 00 00 016e 016e 00" // def, "", "", "", n, n, no ext info
                + "   0c 3f00 14000000 08 8000 00 0000"
                + ROWS.formatted(4, 5) + "070000 06 fe 00 00 0200 0000";
        assertEquals(hex(expected), encode(capabilities, MariaDbCapability.EXTENDED_METADATA.mask()));
        // The other MariaDB capabilities do not touch a text result set.
        int others = MariaDbCapability.maskOf(
                MariaDbCapability.PROGRESS, MariaDbCapability.STMT_BULK_OPERATIONS, MariaDbCapability.CACHE_METADATA);
        assertEquals(encode(capabilities), encode(capabilities, others));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theResponseTrackerSeesOneCompleteResponse(boolean deprecateEof) {
        int capabilities = Capability.PROTOCOL_41.mask() | (deprecateEof ? Capability.DEPRECATE_EOF.mask() : 0);
        ResponseTracker tracker = new ResponseTracker(deprecateEof);
        tracker.begin(CommandType.QUERY);
        ByteBuf frames = RESULT.toFrames(UnpooledByteBufAllocator.DEFAULT, STATUS, capabilities, 0);
        try {
            ResponseTracker.Progress progress = null;
            int packets = 0;
            while (frames.isReadable()) {
                int length = Packets.payloadLength(frames);
                progress = tracker.onPacket(frames, frames.readerIndex() + Packets.HEADER_SIZE, length);
                frames.skipBytes(Packets.HEADER_SIZE + length);
                packets++;
                if (frames.isReadable()) {
                    assertEquals(ResponseTracker.Progress.MORE, progress, "packet " + packets);
                }
            }
            assertEquals(ResponseTracker.Progress.DONE, progress);
            assertEquals(STATUS, tracker.lastStatus());
            assertFalse(tracker.lastResponseFailed());
        } finally {
            frames.release();
        }
    }

    @Test
    void rowsRoundTripWithNullsAndBinaryValues() {
        TextRow row = new TextRow(java.util.Arrays.asList(new byte[] {0, (byte) 0xff}, null, new byte[0]));
        ByteBuf buf = Unpooled.buffer();
        try {
            row.encode(buf, 0);
            assertEquals("0200ff" + "fb" + "00", ByteBufUtil.hexDump(buf));
            TextRow decoded = TextRow.decode(buf);
            assertEquals(row, decoded);
            assertNull(decoded.text(1));
        } finally {
            buf.release();
        }
    }

    @Test
    void everyRowHasOneValuePerColumn() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new TextResultSet(List.of(ColumnDefinition41.text("a")), List.of(TextRow.of("1", "2"))));
        assertThrows(IllegalArgumentException.class, () -> new TextResultSet(List.of(), List.of()));
    }

    private static String encode(int capabilities) {
        return encode(capabilities, 0);
    }

    private static String encode(int capabilities, int mariaDbCapabilities) {
        ByteBuf frames = RESULT.toFrames(UnpooledByteBufAllocator.DEFAULT, STATUS, capabilities, mariaDbCapabilities);
        try {
            return ByteBufUtil.hexDump(frames);
        } finally {
            frames.release();
        }
    }

    private static String hex(String annotated) {
        return HexFormat.of().formatHex(HexFormat.of().parseHex(annotated.replace(" ", "")));
    }
}

package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * A whole text-protocol result set that the proxy answers itself (its admin statements): the
 * column count, the column definitions, an EOF unless the client asked for DEPRECATE_EOF, the
 * rows, and an EOF or, under DEPRECATE_EOF, an OK with the 0xFE header. Small by nature, so it is
 * written as one buffer of consecutive frames.
 */
public record TextResultSet(List<ColumnDefinition41> columns, List<TextRow> rows) {

    public TextResultSet {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("a result set has at least one column");
        }
        for (TextRow row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException(
                        "row of " + row.size() + " values for " + columns.size() + " columns: " + row);
            }
        }
    }

    /**
     * The response to a command whose sequence id was 0, as frames numbered from 1, allocated from
     * {@code alloc}; the caller owns the buffer. {@code statusFlags} go in the closing EOF or OK.
     * {@code capabilities} and {@code mariaDbCapabilities} are what the client negotiated: the latter
     * decides whether each column definition carries MariaDB's extended type information.
     */
    public ByteBuf toFrames(ByteBufAllocator alloc, int statusFlags, int capabilities, int mariaDbCapabilities) {
        boolean deprecateEof = Capability.DEPRECATE_EOF.isSet(capabilities);
        ByteBuf out = alloc.buffer();
        try {
            int sequence = 1;
            int start = Packets.begin(out);
            Lenenc.writeInt(out, columns.size());
            Packets.end(out, start, sequence++);
            for (ColumnDefinition41 column : columns) {
                start = Packets.begin(out);
                column.encode(out, capabilities, mariaDbCapabilities);
                Packets.end(out, start, sequence++ & 0xff);
            }
            if (!deprecateEof) {
                sequence = append(out, new EofPacket(0, statusFlags), sequence, capabilities);
            }
            for (TextRow row : rows) {
                sequence = append(out, row, sequence, capabilities);
            }
            append(
                    out,
                    deprecateEof
                            ? new OkPacket(OkPacket.EOF_HEADER, 0, 0, statusFlags, 0, null, null)
                            : new EofPacket(0, statusFlags),
                    sequence,
                    capabilities);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** Appends {@code packet} as frame {@code sequence}; returns the next sequence id. */
    private static int append(ByteBuf out, ServerPacket packet, int sequence, int capabilities) {
        int start = Packets.begin(out);
        packet.encode(out, capabilities);
        Packets.end(out, start, sequence & 0xff);
        return sequence + 1;
    }
}

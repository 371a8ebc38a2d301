package io.mysqlproxy.protocol.result;

import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.Packets;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * Reads a small, complete response held in one buffer (frames with headers), as the proxy gets it
 * for the commands it sends on its own behalf: whether it failed, its ERR, and the first cell of a
 * text result set such as {@code SELECT @@last_gtid}. Never used for relayed client traffic.
 */
public final class BufferedResponse {

    private BufferedResponse() {}

    /** Whether the response is (or starts with) an ERR packet. */
    public static boolean isError(ByteBuf response) {
        return response.readableBytes() > Packets.HEADER_SIZE
                && response.getUnsignedByte(response.readerIndex() + Packets.HEADER_SIZE) == ErrPacket.HEADER;
    }

    /** The ERR packet the response starts with. */
    public static ErrPacket error(ByteBuf response) {
        return ErrPacket.decode(payloadAt(response, response.readerIndex()));
    }

    /** The payload of the first packet, as a view. */
    public static ByteBuf firstPayload(ByteBuf response) {
        return payloadAt(response, response.readerIndex());
    }

    /**
     * The first column of the first row of a text result set, {@code null} for SQL NULL or no row.
     * Throws {@link ProtocolException} when the response is not a result set.
     */
    public static String firstCell(ByteBuf response, boolean deprecateEof) {
        int at = response.readerIndex();
        ByteBuf header = payloadAt(response, at);
        if (!header.isReadable()
                || header.getUnsignedByte(header.readerIndex()) == ErrPacket.HEADER
                || header.getUnsignedByte(header.readerIndex()) == 0x00) {
            throw new ProtocolException("expected a result set");
        }
        long columns = Lenenc.readInt(header);
        at = skip(response, at, 1 + columns + (deprecateEof ? 0 : 1));
        if (at >= response.writerIndex()) {
            throw new ProtocolException("result set without an end");
        }
        ByteBuf row = payloadAt(response, at);
        int first = row.getUnsignedByte(row.readerIndex());
        if (first == ErrPacket.HEADER || (first == 0xfe && row.readableBytes() < Packets.MAX_PAYLOAD)) {
            return null;
        }
        return Lenenc.readString(row);
    }

    private static int skip(ByteBuf response, int at, long packets) {
        for (long i = 0; i < packets; i++) {
            if (at + Packets.HEADER_SIZE > response.writerIndex()) {
                throw new ProtocolException("truncated response");
            }
            at += Packets.HEADER_SIZE + response.getUnsignedMediumLE(at);
        }
        return at;
    }

    private static ByteBuf payloadAt(ByteBuf response, int at) {
        if (at + Packets.HEADER_SIZE > response.writerIndex()) {
            throw new ProtocolException("truncated response");
        }
        int length = response.getUnsignedMediumLE(at);
        if (at + Packets.HEADER_SIZE + length > response.writerIndex()) {
            throw new ProtocolException("truncated response packet");
        }
        return response.slice(at + Packets.HEADER_SIZE, length);
    }
}

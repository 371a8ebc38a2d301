package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One row of a text-protocol result set: each value length-encoded, SQL NULL as 0xFB. Values are
 * kept as bytes, since a row may hold binary data; {@code null} is NULL. Relayed rows are never
 * decoded; the proxy builds these only for the result sets it answers itself.
 */
public record TextRow(List<byte[]> values) implements ServerPacket {

    private static final int NULL = 0xfb;

    public TextRow {
        List<byte[]> copy = new ArrayList<>(values.size());
        for (byte[] value : values) {
            copy.add(value == null ? null : value.clone());
        }
        values = Collections.unmodifiableList(copy);
    }

    /** A row of UTF-8 text values; a {@code null} value is NULL. */
    public static TextRow of(String... values) {
        List<byte[]> bytes = new ArrayList<>(values.length);
        for (String value : values) {
            bytes.add(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }
        return new TextRow(bytes);
    }

    @Override
    public List<byte[]> values() {
        List<byte[]> copy = new ArrayList<>(values.size());
        for (byte[] value : values) {
            copy.add(value == null ? null : value.clone());
        }
        return Collections.unmodifiableList(copy);
    }

    public int size() {
        return values.size();
    }

    /** Value {@code index} as UTF-8 text, or null for NULL. */
    public String text(int index) {
        byte[] value = values.get(index);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /** Reads the values up to the end of {@code payload}, one lenenc string or 0xFB each. */
    public static TextRow decode(ByteBuf payload) {
        try {
            List<byte[]> values = new ArrayList<>();
            while (payload.isReadable()) {
                values.add(Lenenc.readBytes(payload));
            }
            return new TextRow(values);
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolException("truncated text row", e);
        }
    }

    @Override
    public void encode(ByteBuf buf, int capabilities) {
        for (byte[] value : values) {
            if (value == null) {
                buf.writeByte(NULL);
            } else {
                Lenenc.writeBytes(buf, value);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TextRow other) || other.values.size() != values.size()) {
            return false;
        }
        for (int i = 0; i < values.size(); i++) {
            if (!Arrays.equals(values.get(i), other.values.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = 1;
        for (byte[] value : values) {
            hash = 31 * hash + Arrays.hashCode(value);
        }
        return hash;
    }

    @Override
    public String toString() {
        List<String> texts = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            texts.add(values.get(i) == null ? "NULL" : "'" + text(i) + "'");
        }
        return "TextRow" + texts;
    }
}

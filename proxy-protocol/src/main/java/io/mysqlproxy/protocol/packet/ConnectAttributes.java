package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CONNECT_ATTRS block shared by HandshakeResponse41 and COM_CHANGE_USER: lenenc total, then
 * key/value pairs. Read leniently, as the proxy passes the pairs on in its own logins to backends.
 */
final class ConnectAttributes {

    private ConnectAttributes() {}

    static Map<String, String> read(ByteBuf buf) {
        long total = Lenenc.readInt(buf);
        if (total < 0 || total > buf.readableBytes()) {
            throw new ProtocolException("connection attributes of " + total + " bytes overrun the packet");
        }
        ByteBuf block = buf.readSlice((int) total);
        Map<String, String> attributes = new LinkedHashMap<>();
        while (block.isReadable()) {
            String key = Lenenc.readString(block);
            String value = Lenenc.readString(block);
            // A NULL key names nothing the server could store: dropped; a NULL value passes on as empty.
            if (key != null) {
                attributes.put(key, value == null ? "" : value);
            }
        }
        return Collections.unmodifiableMap(attributes);
    }

    static void write(ByteBuf buf, Map<String, String> attributes) {
        ByteBuf block = Unpooled.buffer();
        try {
            attributes.forEach((key, value) -> {
                Lenenc.writeString(block, key);
                Lenenc.writeString(block, value);
            });
            Lenenc.writeInt(buf, block.readableBytes());
            buf.writeBytes(block);
        } finally {
            block.release();
        }
    }
}

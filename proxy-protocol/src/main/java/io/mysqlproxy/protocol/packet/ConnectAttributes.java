package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The CONNECT_ATTRS block shared by HandshakeResponse41 and COM_CHANGE_USER: lenenc total, then key/value pairs. */
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
            attributes.put(Lenenc.readString(block), Lenenc.readString(block));
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

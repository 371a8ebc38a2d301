package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.flag.Capability;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConnectAttributesTest {

    private static final int CAPABILITIES = Capability.PROTOCOL_41.mask()
            | Capability.SECURE_CONNECTION.mask()
            | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA.mask()
            | Capability.CONNECT_ATTRS.mask();

    /**
     * A client's attributes with a NULL key (0xfb) and a NULL value: the pair without a key is dropped,
     * the NULL value passes on as empty, and the response encodes again for the proxy's backend login.
     */
    @Test
    void nullKeysAreDroppedAndNullValuesPassOnEmpty() {
        ByteBuf in = Unpooled.buffer();
        ByteBuf out = Unpooled.buffer();
        try {
            new SslRequest(CAPABILITIES, 1 << 24, 45, 0).encode(in);
            in.writeBytes(new byte[] {'a', 'p', 'p', 0}); // user, NUL-terminated
            in.writeByte(0); // empty auth response (lenenc)
            byte[] attributes = {
                (byte) 0xfb,
                1,
                'x', // NULL key, value "x"
                2,
                'o',
                's',
                (byte) 0xfb, // key "os", NULL value
                1,
                'k',
                1,
                'v' // "k" = "v"
            };
            in.writeByte(attributes.length).writeBytes(attributes);

            HandshakeResponse41 response = HandshakeResponse41.decode(in);
            assertEquals(Map.of("os", "", "k", "v"), response.attributes());

            response.encode(out);
            assertEquals(response, HandshakeResponse41.decode(out));
        } finally {
            in.release();
            out.release();
        }
    }
}

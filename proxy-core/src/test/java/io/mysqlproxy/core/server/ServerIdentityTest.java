package io.mysqlproxy.core.server;

import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.MariaDbCapability;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The greeting the proxy sends its clients, byte by byte: before the primary is known, and after
 * learning MariaDB 10.11's own greeting, which offers PROGRESS, STMT_BULK_OPERATIONS,
 * EXTENDED_METADATA and CACHE_METADATA (0x1d), of which the proxy offers only EXTENDED_METADATA.
 */
class ServerIdentityTest {

    /** MariaDB 10.11's greeting (golden/connectorj-login.golden): capabilities 0x81fff7fe, MariaDB word 0x1d. */
    private static final String MARIADB_GREETING = "0a352e352e352d31302e31312e31392d4d6172696144422d302b646562"
            + "313275312d6c6f67000a0000004759692475422c5000fef72d0200ff81150000000000001d00000031433c437a61535e"
            + "5c363752006d7973716c5f6e61746976655f70617373776f726400";

    private static final byte[] NONCE = "abcdefghijklmnopqrst\0".getBytes(StandardCharsets.US_ASCII);
    private static final String VERSION =
            HexFormat.of().formatHex("5.5.5-10.11.19-MariaDB-0+deb12u1-log".getBytes(StandardCharsets.US_ASCII));
    private static final String NATIVE =
            HexFormat.of().formatHex("mysql_native_password".getBytes(StandardCharsets.US_ASCII));

    @Test
    void afterMariaDbsGreetingTheProxyOffersExtendedMetadataAndNoOtherMariaDbCapability() {
        ServerIdentity identity = new ServerIdentity(null);
        identity.learn(HandshakeV10.decode(Unpooled.wrappedBuffer(HexFormat.of().parseHex(MARIADB_GREETING))));

        String expected = "0a" + VERSION + "00" // protocol 10, the primary's version
                + "07000000" // connection id 7
                + "6162636465666768 00" // scramble part 1, filler
                + "deb7" // capabilities 0x01ffb7de, low half: CLIENT_MYSQL (bit 0) clear, as the primary's
                + "2d 0200" // utf8mb4_general_ci, AUTOCOMMIT
                + "ff01" // capabilities, high half
                + "15 000000000000" // auth data length 21, six reserved bytes
                + "08000000" // MariaDB's word: EXTENDED_METADATA (1 << 3) only
                + "696a6b6c6d6e6f7071727374 00" // scramble part 2 and its NUL
                + NATIVE + "00";
        HandshakeV10 greeting = identity.greeting(7, NONCE, false, AuthPlugin.MYSQL_NATIVE_PASSWORD);
        assertEquals(MariaDbCapability.EXTENDED_METADATA.mask(), greeting.mariaDbCapabilities());
        assertEquals(hex(expected), encode(greeting));
    }

    @Test
    void beforeThePrimaryIsKnownTheGreetingIsMySqlsWithNoMariaDbWord() {
        ServerIdentity identity = new ServerIdentity(null);
        String expected = "0a" + HexFormat.of().formatHex("8.4.0-mysql-proxy".getBytes(StandardCharsets.US_ASCII))
                + "00" + "07000000" + "6162636465666768 00"
                + "dfb7" // capabilities 0x01ffb7df: CLIENT_MYSQL set, so clients send no MariaDB word
                + "2d 0200" + "ff01" + "15 000000000000"
                + "00000000" // no MariaDB capabilities
                + "696a6b6c6d6e6f7071727374 00"
                + NATIVE + "00";
        assertEquals(hex(expected), encode(identity.greeting(7, NONCE, false, AuthPlugin.MYSQL_NATIVE_PASSWORD)));
    }

    @Test
    void aMySqlPrimaryKeepsTheMariaDbWordEmpty() {
        // The same greeting with CLIENT_MYSQL set and a (meaningless) word in the reserved bytes.
        String mysql = MARIADB_GREETING.replace("00fef72d0200ff8115", "00fff72d0200ff8115");
        ServerIdentity identity = new ServerIdentity(null);
        identity.learn(HandshakeV10.decode(Unpooled.wrappedBuffer(HexFormat.of().parseHex(mysql))));
        assertEquals(
                0,
                identity.greeting(7, NONCE, true, AuthPlugin.MYSQL_NATIVE_PASSWORD)
                        .mariaDbCapabilities());
    }

    private static String encode(HandshakeV10 greeting) {
        ByteBuf buf = Unpooled.buffer();
        try {
            greeting.encode(buf, greeting.capabilities());
            return ByteBufUtil.hexDump(buf);
        } finally {
            buf.release();
        }
    }

    private static String hex(String annotated) {
        return annotated.replace(" ", "");
    }
}

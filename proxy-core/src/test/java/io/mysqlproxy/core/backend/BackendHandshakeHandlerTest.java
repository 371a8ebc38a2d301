package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.MariaDbCapability;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy logging in to a backend, driven on an {@link EmbeddedChannel} with server packets as
 * MariaDB 10.11 and MySQL 8 send them; every byte the handler writes is checked.
 */
class BackendHandshakeHandlerTest {

    /**
     * MariaDB 10.11's greeting (golden/connectorj-login.golden): protocol 10, version
     * "5.5.5-10.11.19-MariaDB-0+deb12u1-log", connection id 10, scramble "GYi$uB,P" + "1C<CzaS^\67R",
     * capabilities 0x81fff7fe, charset 45, status 0x0002, mysql_native_password.
     */
    private static final String MARIADB_GREETING = "0a352e352e352d31302e31312e31392d4d6172696144422d302b646562"
            + "313275312d6c6f67000a0000004759692475422c5000fef72d0200ff81150000000000001d00000031433c437a61535e"
            + "5c363752006d7973716c5f6e61746976655f70617373776f726400";

    private static final byte[] MARIADB_NONCE = "GYi$uB,P1C<CzaS^\\67R".getBytes(StandardCharsets.US_ASCII);
    /** The same greeting as a MySQL 8 default account would get it: the plugin is caching_sha2_password. */
    private static final String SHA2_GREETING = MARIADB_GREETING.substring(0, MARIADB_GREETING.length() - 44)
            + ByteBufUtil.hexDump("caching_sha2_password".getBytes(StandardCharsets.US_ASCII)) + "00";
    /** OK after login: 0 rows, 0 id, status AUTOCOMMIT, 0 warnings. */
    private static final String LOGIN_OK = "00000002000000";

    private static final String ERR_1045 = "ff1504" + "23" + "3238303030"
            + ByteBufUtil.hexDump("Access denied for user 'app'@'localhost' (using password: YES)"
                    .getBytes(StandardCharsets.US_ASCII));

    /** What the client asked for; the MariaDB greeting offers all of it, so it is what the proxy sends. */
    private static final int CLIENT_CAPABILITIES = Capability.maskOf(
            Capability.PROTOCOL_41,
            Capability.SECURE_CONNECTION,
            Capability.PLUGIN_AUTH,
            Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA,
            Capability.TRANSACTIONS,
            Capability.MULTI_RESULTS,
            Capability.DEPRECATE_EOF);

    private static final BackendLogin LOGIN = new BackendLogin("app", "s3cret", CLIENT_CAPABILITIES, 0, 45, null, null);

    private EmbeddedChannel channel;
    private Promise<BackendConnection> outcome;

    @AfterEach
    void finish() {
        if (channel != null) {
            assertFalse(channel.finish(), "nothing left unread in the channel");
        }
    }

    @Test
    void greetingThenOkLogsInWithNativePassword() {
        start(LOGIN);
        serverSends(0, MARIADB_GREETING);
        assertWritten(handshakeResponse("mysql_native_password", NativePassword.scramble("s3cret", MARIADB_NONCE)));
        assertFalse(outcome.isDone());

        serverSends(2, LOGIN_OK);
        BackendConnection connection = outcome.getNow();
        assertEquals(10, connection.greeting().connectionId());
        assertEquals(CLIENT_CAPABILITIES, connection.capabilities());
        assertEquals(2, connection.loginOk().statusFlags());
        assertNull(channel.pipeline().get(BackendConnection.HANDSHAKE), "the handshake handler removes itself");
        assertNull(channel.readOutbound());
    }

    @Test
    void greetingAndOkSplitAtEveryByteGiveTheSameLogin() {
        byte[] stream = concat(frame(0, MARIADB_GREETING), frame(2, LOGIN_OK));
        byte[] expected = handshakeResponse("mysql_native_password", NativePassword.scramble("s3cret", MARIADB_NONCE));
        for (int split = 1; split < stream.length; split++) {
            start(LOGIN);
            channel.writeInbound(Unpooled.wrappedBuffer(stream, 0, split));
            channel.writeInbound(Unpooled.wrappedBuffer(stream, split, stream.length - split));
            assertWritten(expected);
            assertTrue(outcome.isSuccess(), "split at " + split);
            assertFalse(channel.finish());
        }
        channel = null;
    }

    @Test
    void authSwitchToCachingSha2AnswersWithTheNewNonceThenFastAuthSucceeds() {
        start(LOGIN);
        serverSends(0, MARIADB_GREETING);
        assertWritten(handshakeResponse("mysql_native_password", NativePassword.scramble("s3cret", MARIADB_NONCE)));

        byte[] nonce = "abcdefghij0123456789".getBytes(StandardCharsets.US_ASCII);
        // 0xfe, plugin name NUL, 20-byte nonce + NUL
        serverSends(
                2,
                "fe" + ByteBufUtil.hexDump("caching_sha2_password".getBytes(StandardCharsets.US_ASCII)) + "00"
                        + ByteBufUtil.hexDump(nonce) + "00");
        assertWritten(frame(3, ByteBufUtil.hexDump(CachingSha2Password.scramble("s3cret", nonce))));

        serverSends(4, "0103"); // AuthMoreData: fast auth success
        assertNull(channel.readOutbound());
        assertFalse(outcome.isDone());
        serverSends(5, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    @Test
    void cachingSha2GreetingIsAnsweredWithSha2ScrambleAndFastAuth() {
        start(LOGIN);
        serverSends(0, SHA2_GREETING);
        assertWritten(
                handshakeResponse("caching_sha2_password", CachingSha2Password.scramble("s3cret", MARIADB_NONCE)));
        serverSends(2, "0103");
        serverSends(3, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    @Test
    void fullAuthenticationAsksForTheRsaKeyAndSendsThePasswordEncryptedWithIt() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        start(LOGIN);
        serverSends(0, SHA2_GREETING);
        assertWritten(
                handshakeResponse("caching_sha2_password", CachingSha2Password.scramble("s3cret", MARIADB_NONCE)));

        serverSends(2, "0104"); // perform full authentication
        assertWritten(frame(3, "02")); // request the public key
        assertPasswordEncryptedWithTheSentKey(keys, MARIADB_NONCE);
        serverSends(6, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    /**
     * MySQL 8.0+/9.x answers a user it does not know with a decoy switch to sha256_password; played through, the
     * exchange ends in the server's own 1045, which is what the client must see (not "a plugin the proxy does not
     * speak").
     */
    @Test
    void decoySwitchToSha256PasswordIsPlayedThroughToTheServersAccessDenied() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        start(LOGIN);
        serverSends(0, SHA2_GREETING);
        channel.<ByteBuf>readOutbound().release();

        byte[] nonce = "klmnopqrst9876543210".getBytes(StandardCharsets.US_ASCII);
        serverSends(
                2,
                "fe" + ByteBufUtil.hexDump("sha256_password".getBytes(StandardCharsets.US_ASCII)) + "00"
                        + ByteBufUtil.hexDump(nonce) + "00");
        assertWritten(frame(3, "01")); // sha256_password's public key request
        assertPasswordEncryptedWithTheSentKey(keys, nonce);
        serverSends(6, ERR_1045);

        BackendException failure = assertInstanceOf(BackendException.class, outcome.cause());
        assertEquals(1045, failure.error().errorCode());
        assertFalse(channel.isOpen());
    }

    /**
     * A client that negotiated MariaDB's extended metadata: the proxy asks the backend for it in the
     * last four reserved bytes (CLIENT_MYSQL stays clear, or the server would not read them), and for
     * nothing else of the 0x1d the greeting offers.
     */
    @Test
    void extendedMetadataTheClientNegotiatedIsAskedOfTheBackend() {
        start(new BackendLogin(
                "app", "s3cret", CLIENT_CAPABILITIES, MariaDbCapability.EXTENDED_METADATA.mask(), 45, null, null));
        serverSends(0, MARIADB_GREETING);
        assertWritten(handshakeResponse(
                "mysql_native_password",
                NativePassword.scramble("s3cret", MARIADB_NONCE),
                MariaDbCapability.EXTENDED_METADATA.mask()));
        serverSends(2, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    /** Whatever a login carries, PROGRESS, bulk operations and CACHE_METADATA never reach a backend. */
    @Test
    void capabilitiesTheProxyDoesNotRelayAreNeverAskedOfTheBackend() {
        int everything = MariaDbCapability.maskOf(MariaDbCapability.values());
        start(new BackendLogin("app", "s3cret", CLIENT_CAPABILITIES, everything, 45, null, null));
        serverSends(0, MARIADB_GREETING);
        assertWritten(handshakeResponse(
                "mysql_native_password",
                NativePassword.scramble("s3cret", MARIADB_NONCE),
                MariaDbCapability.EXTENDED_METADATA.mask()));
        serverSends(2, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    /**
     * A backend that cannot send extended metadata (here the greeting sets CLIENT_MYSQL, as MySQL's
     * does) cannot serve a client that expects it: the login fails before anything is sent.
     */
    @Test
    void aBackendWithoutExtendedMetadataCannotServeAClientThatNegotiatedIt() {
        start(new BackendLogin(
                "app", "s3cret", CLIENT_CAPABILITIES, MariaDbCapability.EXTENDED_METADATA.mask(), 45, null, null));
        serverSends(0, MARIADB_GREETING.replace("00fef72d0200ff8115", "00fff72d0200ff8115"));
        BackendException failure = assertInstanceOf(BackendException.class, outcome.cause());
        assertEquals(1429, failure.error().errorCode());
        assertTrue(failure.error().message().contains("cannot carry the client's protocol options"));
        assertNull(channel.readOutbound());
        assertFalse(channel.isOpen());
    }

    @Test
    void errOnLoginFailsWithTheServersOwnErrorAndCloses() {
        start(LOGIN);
        serverSends(0, MARIADB_GREETING);
        assertWritten(handshakeResponse("mysql_native_password", NativePassword.scramble("s3cret", MARIADB_NONCE)));
        serverSends(2, ERR_1045);

        BackendException failure = assertInstanceOf(BackendException.class, outcome.cause());
        assertEquals(
                new ErrPacket(1045, "28000", "Access denied for user 'app'@'localhost' (using password: YES)"),
                failure.error());
        assertFalse(channel.isOpen());
    }

    @Test
    void authSwitchToAPluginTheProxyDoesNotSpeakFails() {
        start(LOGIN);
        serverSends(0, MARIADB_GREETING);
        channel.<ByteBuf>readOutbound().release();
        serverSends(2, "fe" + ByteBufUtil.hexDump("auth_gssapi_client".getBytes(StandardCharsets.US_ASCII)) + "00");
        BackendException failure = assertInstanceOf(BackendException.class, outcome.cause());
        assertEquals(1429, failure.error().errorCode());
        assertTrue(
                failure.error().message().contains("auth_gssapi_client"),
                failure.error().message());
        assertFalse(channel.isOpen());
        assertNull(channel.readOutbound());
    }

    @Test
    void connectionClosedMidLoginFails() {
        start(LOGIN);
        serverSends(0, MARIADB_GREETING);
        channel.<ByteBuf>readOutbound().release();
        channel.close();
        BackendException failure = assertInstanceOf(BackendException.class, outcome.cause());
        assertTrue(failure.error().message().contains("connection closed during authentication"));
    }

    /** The server sends its RSA key (sequence 4); the proxy answers with the password encrypted with it (5). */
    private void assertPasswordEncryptedWithTheSentKey(KeyPair keys, byte[] nonce) throws Exception {
        serverSends(
                4,
                "01"
                        + ByteBufUtil.hexDump(
                                RsaPasswordCipher.toPem(keys.getPublic()).getBytes(StandardCharsets.US_ASCII)));
        ByteBuf encrypted = channel.readOutbound();
        try {
            assertEquals(5, encrypted.getUnsignedByte(3));
            byte[] payload = ByteBufUtil.getBytes(encrypted, 4, encrypted.readableBytes() - 4);
            assertEquals("s3cret", RsaPasswordCipher.decrypt(payload, nonce, keys.getPrivate()));
        } finally {
            encrypted.release();
        }
    }

    private void start(BackendLogin login) {
        channel = new EmbeddedChannel();
        outcome = channel.eventLoop().newPromise();
        channel.pipeline()
                .addLast(BackendConnection.FRAMES, new PacketFrameDecoder())
                .addLast(BackendConnection.HANDSHAKE, new BackendHandshakeHandler("db:3306", login, outcome));
    }

    private void serverSends(int sequenceId, String payloadHex) {
        channel.writeInbound(Unpooled.wrappedBuffer(frame(sequenceId, payloadHex)));
    }

    private void assertWritten(byte[] expected) {
        ByteBuf written = channel.readOutbound();
        try {
            assertEquals(ByteBufUtil.hexDump(expected), ByteBufUtil.hexDump(written));
        } finally {
            written.release();
        }
    }

    /**
     * HandshakeResponse41 for {@link #LOGIN}, sequence 1, laid out by hand: capabilities, max packet
     * 1 GiB, charset 45, 23 reserved bytes, user, lenenc auth response, plugin name.
     */
    private static byte[] handshakeResponse(String plugin, byte[] scramble) {
        return handshakeResponse(plugin, scramble, 0);
    }

    /** As {@link #handshakeResponse(String, byte[])}, the last four reserved bytes MariaDB's extended word. */
    private static byte[] handshakeResponse(String plugin, byte[] scramble, int mariaDbCapabilities) {
        ByteBuf payload = Unpooled.buffer();
        payload.writeIntLE(CLIENT_CAPABILITIES)
                .writeIntLE(1 << 30)
                .writeByte(45)
                .writeZero(19)
                .writeIntLE(mariaDbCapabilities);
        payload.writeBytes("app\0".getBytes(StandardCharsets.US_ASCII));
        payload.writeByte(scramble.length).writeBytes(scramble);
        payload.writeBytes((plugin + "\0").getBytes(StandardCharsets.US_ASCII));
        byte[] frame = frame(1, ByteBufUtil.hexDump(payload));
        payload.release();
        return frame;
    }

    private static byte[] frame(int sequenceId, String payloadHex) {
        byte[] payload = ByteBufUtil.decodeHexDump(payloadHex);
        byte[] frame = new byte[payload.length + 4];
        frame[0] = (byte) payload.length;
        frame[1] = (byte) (payload.length >>> 8);
        frame[2] = (byte) (payload.length >>> 16);
        frame[3] = (byte) sequenceId;
        System.arraycopy(payload, 0, frame, 4, payload.length);
        return frame;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}

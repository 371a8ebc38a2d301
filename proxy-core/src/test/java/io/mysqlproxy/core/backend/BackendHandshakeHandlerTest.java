package io.mysqlproxy.core.backend;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mysqlproxy.core.auth.BackendSecret;
import io.mysqlproxy.core.config.BackendTlsMode;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.tls.BackendTlsContext;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.MariaDbCapability;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

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

    /** An account on mysql_native_password, as MariaDB's. */
    private static final BackendLogin LOGIN = login(AuthPlugin.MYSQL_NATIVE_PASSWORD, 0);
    /** An account on caching_sha2_password, as MySQL 8's default. */
    private static final BackendLogin SHA2_LOGIN = login(AuthPlugin.CACHING_SHA2_PASSWORD, 0);

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

    /**
     * The first answer uses the account's plugin, whatever the greeting names; a switch to that same plugin (a
     * server whose default differs) is answered with the new nonce.
     */
    @Test
    void theAccountsPluginAnswersAGreetingOfAnotherAndASwitchToItself() {
        start(SHA2_LOGIN);
        serverSends(0, MARIADB_GREETING);
        assertWritten(
                handshakeResponse("caching_sha2_password", CachingSha2Password.scramble("s3cret", MARIADB_NONCE)));

        byte[] nonce = "abcdefghij0123456789".getBytes(StandardCharsets.US_ASCII);
        serverSends(2, authSwitch("caching_sha2_password", nonce));
        assertWritten(frame(3, ByteBufUtil.hexDump(CachingSha2Password.scramble("s3cret", nonce))));

        serverSends(4, "0103"); // AuthMoreData: fast auth success
        assertNull(channel.readOutbound());
        assertFalse(outcome.isDone());
        serverSends(5, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    @Test
    void cachingSha2GreetingIsAnsweredWithSha2ScrambleAndFastAuth() {
        start(SHA2_LOGIN);
        serverSends(0, SHA2_GREETING);
        assertWritten(
                handshakeResponse("caching_sha2_password", CachingSha2Password.scramble("s3cret", MARIADB_NONCE)));
        serverSends(2, "0103");
        serverSends(3, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    /** A native-password account greeted by MySQL 8 answers with its own plugin; the server then takes it. */
    @Test
    void aNativeAccountAnswersACachingSha2GreetingWithNativePassword() {
        start(LOGIN);
        serverSends(0, SHA2_GREETING);
        assertWritten(handshakeResponse("mysql_native_password", NativePassword.scramble("s3cret", MARIADB_NONCE)));
        serverSends(2, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    @Test
    void aSwitchOfANativeAccountToCachingSha2IsRefusedWithNothingSent() {
        assertSwitchRefused(LOGIN, MARIADB_GREETING, "caching_sha2_password", "mysql_native_password");
    }

    /** The downgrade: a server (or whoever answers as one) asks a caching_sha2 account for a native scramble. */
    @Test
    void aSwitchOfACachingSha2AccountToNativePasswordIsRefusedWithNothingSent() {
        assertSwitchRefused(SHA2_LOGIN, SHA2_GREETING, "mysql_native_password", "caching_sha2_password");
    }

    private void assertSwitchRefused(BackendLogin login, String greeting, String asked, String configured) {
        start(login);
        serverSends(0, greeting);
        channel.<ByteBuf>readOutbound().release();
        serverSends(2, authSwitch(asked, "abcdefghij0123456789".getBytes(StandardCharsets.US_ASCII)));
        BackendException failure = assertInstanceOf(BackendException.class, outcome.cause());
        assertEquals(1429, failure.error().errorCode());
        assertTrue(
                failure.error().message().contains("auth plugin '" + asked + "'")
                        && failure.error().message().contains("configured for " + configured),
                failure.error().message());
        assertNull(channel.readOutbound(), "nothing derived from the password after the handshake response");
        assertFalse(channel.isOpen());
    }

    /**
     * No TLS, no pinned key, no retrieval (the default): asked for the password in full, the proxy sends
     * nothing (no key request, no encrypted password), fails with 1429 naming the settings, and hangs up.
     */
    @Test
    void fullAuthenticationWithoutTlsKeyOrRetrievalSendsNothingAndFails() {
        start(SHA2_LOGIN);
        serverSends(0, SHA2_GREETING);
        channel.<ByteBuf>readOutbound().release();

        serverSends(2, "0104"); // perform full authentication
        assertNull(channel.readOutbound(), "neither a key request nor a password");
        BackendException failure = assertInstanceOf(BackendException.class, outcome.cause());
        assertEquals(1429, failure.error().errorCode());
        assertTrue(
                failure.error()
                        .message()
                        .contains("server asks for the password in full over a connection without TLS; set"
                                + " backends.tls.mode, backends.server-public-key or"
                                + " backends.allow-public-key-retrieval"),
                failure.error().message());
        assertFalse(channel.isOpen());
    }

    /** A flood of logins to a backend that asks for full authentication says why once, not once per login. */
    @Test
    void theRefusalIsExplainedOncePerBackend() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(PasswordPolicy.class);
        appender.start();
        logger.addAppender(appender);
        try {
            PasswordPolicy shared = policy(false, null);
            for (String address : List.of("db-1:3306", "db-1:3306", "db-1:3306", "db-2:3306")) {
                start(SHA2_LOGIN, shared, address);
                serverSends(0, SHA2_GREETING);
                channel.<ByteBuf>readOutbound().release();
                serverSends(2, "0104");
                assertEquals(
                        1429,
                        assertInstanceOf(BackendException.class, outcome.cause())
                                .error()
                                .errorCode());
                assertFalse(channel.finish());
            }
            channel = null;
            List<String> lines = appender.list.stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.get(0).contains("db-1:3306") && lines.get(1).contains("db-2:3306"), lines.toString());
            assertTrue(lines.get(0).contains("backends.allow-public-key-retrieval"), lines.get(0));
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void fullAuthenticationWithRetrievalAllowedAsksForTheRsaKeyAndSendsThePasswordEncryptedWithIt() throws Exception {
        KeyPair keys = rsaKeys();
        start(SHA2_LOGIN, policy(true, null));
        serverSends(0, SHA2_GREETING);
        assertWritten(
                handshakeResponse("caching_sha2_password", CachingSha2Password.scramble("s3cret", MARIADB_NONCE)));

        serverSends(2, "0104"); // perform full authentication
        assertWritten(frame(3, "02")); // request the public key
        assertPasswordEncryptedWithTheSentKey(keys, MARIADB_NONCE);
        serverSends(6, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    /** A pinned key wins over retrieval: the server is never asked for its key, whatever it would send. */
    @Test
    void fullAuthenticationWithAPinnedKeyEncryptsWithItWithoutAskingTheServer() throws Exception {
        KeyPair pinned = rsaKeys();
        start(SHA2_LOGIN, policy(true, pinned));
        serverSends(0, SHA2_GREETING);
        channel.<ByteBuf>readOutbound().release();

        serverSends(2, "0104");
        assertEquals("s3cret", decrypt(channel.readOutbound(), 3, MARIADB_NONCE, pinned));
        serverSends(4, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    /**
     * Over TLS nobody verified (preferred, required) an impostor needs only any certificate: the password goes
     * only where the operator chose to trust whatever answers (below), else nothing is sent.
     */
    @Test
    void fullAuthenticationOverUnverifiedTlsIsRefusedByDefault() throws Exception {
        start(SHA2_LOGIN, PasswordPolicy.STRICT);
        channel.pipeline().addLast(idleTlsHandler());
        serverSends(0, SHA2_GREETING);
        channel.<ByteBuf>readOutbound().release();

        serverSends(2, "0104");
        assertTrue(outcome.isDone() && !outcome.isSuccess());
        BackendException refused = (BackendException) outcome.cause();
        assertEquals(1429, refused.error().errorCode());
        assertTrue(
                refused.error().message().contains("not verified"),
                refused.error().message());
        assertNull(channel.readOutbound(), "not a byte of the password");
        channel.finishAndReleaseAll();
        channel = null;
    }

    /** Over unverified TLS with allow-public-key-retrieval the password goes in clear, NUL-terminated, as clients send it. */
    @Test
    void fullAuthenticationOverTlsSendsThePasswordInClear() throws Exception {
        start(SHA2_LOGIN, policy(true, rsaKeys()));
        channel.pipeline().addLast(idleTlsHandler());
        serverSends(0, SHA2_GREETING);
        channel.<ByteBuf>readOutbound().release();

        serverSends(2, "0104");
        assertWritten(frame(3, ByteBufUtil.hexDump("s3cret\0".getBytes(StandardCharsets.US_ASCII))));
        serverSends(4, LOGIN_OK);
        assertTrue(outcome.isSuccess());
        assertNull(channel.readOutbound());
        channel.finishAndReleaseAll(); // the stand-in TLS layer says close_notify on close
        channel = null;
    }

    /**
     * Bytes behind the greeting arrived before TLS, from the server or from anyone on the path: kept, they would
     * prefix what the verified server says inside TLS (STARTTLS injection). The login ends before the SSLRequest.
     */
    @Test
    void bytesAfterTheGreetingBeforeTlsEndTheLogin() {
        channel = new EmbeddedChannel();
        outcome = channel.eventLoop().newPromise();
        BackendTlsContext preferred = BackendTlsContext.create(new ProxyConfig.BackendTls(
                BackendTlsMode.PREFERRED,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of("TLSv1.2", "TLSv1.3")));
        channel.pipeline()
                .addLast(BackendConnection.FRAMES, new PacketFrameDecoder())
                .addLast(
                        BackendConnection.HANDSHAKE,
                        new BackendHandshakeHandler(
                                "db:3306",
                                SHA2_LOGIN,
                                PasswordPolicy.STRICT,
                                outcome,
                                new BackendTlsUpgrade(preferred, new HostPort("127.0.0.1", 3306))));
        ByteBuf payload = Unpooled.buffer();
        new HandshakeV10(
                        "8.4.0-fake",
                        7,
                        new byte[20],
                        CLIENT_CAPABILITIES | Capability.SSL.mask() | Capability.CONNECT_WITH_DB.mask(),
                        45,
                        2,
                        0,
                        "caching_sha2_password")
                .encode(payload, 0);
        // The greeting, then the start of a packet (a fake OK's header and one byte) in the same segment.
        String greeting = ByteBufUtil.hexDump(payload);
        payload.release();
        channel.writeInbound(Unpooled.wrappedBuffer(frame(0, greeting), ByteBufUtil.decodeHexDump("07000002" + "00")));

        assertTrue(outcome.isDone() && !outcome.isSuccess());
        BackendException failure = (BackendException) outcome.cause();
        assertTrue(
                failure.error().message().contains("before TLS"),
                failure.error().message());
        assertNull(channel.readOutbound(), "no SSLRequest, nothing of the login");
        channel.finishAndReleaseAll();
        channel = null;
    }

    /** A learned native account's SHA1(password) makes the same scramble as the password, first answer and switch. */
    @Test
    void learnedNativeStage1AnswersAsThePasswordWould() throws Exception {
        start(learned(AuthPlugin.MYSQL_NATIVE_PASSWORD, BackendSecret.nativeStage1(sha1("s3cret"))));
        serverSends(0, SHA2_GREETING);
        assertWritten(handshakeResponse("mysql_native_password", NativePassword.scramble("s3cret", MARIADB_NONCE)));
        byte[] nonce = "abcdefghij0123456789".getBytes(StandardCharsets.US_ASCII);
        serverSends(2, authSwitch("mysql_native_password", nonce));
        assertWritten(frame(3, ByteBufUtil.hexDump(NativePassword.scramble("s3cret", nonce))));
        serverSends(4, LOGIN_OK);
        assertTrue(outcome.isSuccess());
    }

    /** SHA1(password) answers nothing but mysql_native_password: asked for caching_sha2, nothing is sent. */
    @Test
    void learnedNativeStage1CannotAnswerCachingSha2AndSendsNothing() throws Exception {
        start(learned(AuthPlugin.CACHING_SHA2_PASSWORD, BackendSecret.nativeStage1(sha1("s3cret"))));
        serverSends(0, SHA2_GREETING);
        assertNull(channel.readOutbound(), "no handshake response");
        BackendException failure = assertInstanceOf(BackendException.class, outcome.cause());
        assertEquals(1429, failure.error().errorCode());
        assertTrue(
                failure.error().message().contains("server asks user 'app' for caching_sha2_password")
                        && !failure.error().message().contains("s3cret"),
                failure.error().message());
        assertFalse(channel.isOpen());
    }

    /** A learned caching_sha2 account's password bytes go in full over TLS as a configured password does. */
    @Test
    void learnedPasswordGoesInFullOverTls() throws Exception {
        byte[] password = "pässwörd".getBytes(StandardCharsets.UTF_8);
        start(learned(AuthPlugin.CACHING_SHA2_PASSWORD, BackendSecret.learnedPassword(password)), policy(true, null));
        channel.pipeline().addLast(idleTlsHandler());
        serverSends(0, SHA2_GREETING);
        assertWritten(
                handshakeResponse("caching_sha2_password", CachingSha2Password.scramble(password, MARIADB_NONCE)));
        serverSends(2, "0104");
        assertWritten(frame(3, ByteBufUtil.hexDump(password) + "00"));
        serverSends(4, LOGIN_OK);
        assertTrue(outcome.isSuccess());
        channel.finishAndReleaseAll();
        channel = null;
    }

    /** mysql_native_password has no full authentication: a server asking for it gets nothing. */
    @Test
    void fullAuthenticationAskedOfANativeAccountSendsNothing() {
        start(LOGIN, policy(true, null));
        serverSends(0, MARIADB_GREETING);
        channel.<ByteBuf>readOutbound().release();
        serverSends(2, "0104");
        assertNull(channel.readOutbound());
        assertFalse(outcome.isSuccess());
        assertFalse(channel.isOpen());
    }

    /**
     * MySQL 8.0+/9.x answers a user it does not know with a decoy switch to sha256_password. No account is
     * configured for it, so nothing of the password goes: an empty password (one NUL), whatever the settings, and
     * the server's own 1045 is what the client sees.
     */
    @Test
    void decoySwitchToSha256PasswordGetsAnEmptyPasswordAndTheServersAccessDenied() {
        start(SHA2_LOGIN, policy(true, null));
        serverSends(0, SHA2_GREETING);
        channel.<ByteBuf>readOutbound().release();

        byte[] nonce = "klmnopqrst9876543210".getBytes(StandardCharsets.US_ASCII);
        serverSends(2, authSwitch("sha256_password", nonce));
        assertWritten(frame(3, "00")); // an empty password: no key request, nothing encrypted
        serverSends(4, ERR_1045);

        BackendException failure = assertInstanceOf(BackendException.class, outcome.cause());
        assertEquals(1045, failure.error().errorCode());
        assertFalse(channel.isOpen());
    }

    /** A "server" that takes the empty sha256_password answer for a login is not the account's server. */
    @Test
    void aSha256PasswordSwitchThatGoesOnIsRefused() throws Exception {
        start(SHA2_LOGIN, policy(true, rsaKeys()));
        serverSends(0, SHA2_GREETING);
        channel.<ByteBuf>readOutbound().release();
        serverSends(2, authSwitch("sha256_password", "klmnopqrst9876543210".getBytes(StandardCharsets.US_ASCII)));
        assertWritten(frame(3, "00"));
        serverSends(4, LOGIN_OK);

        BackendException failure = assertInstanceOf(BackendException.class, outcome.cause());
        assertEquals(1429, failure.error().errorCode());
        assertTrue(
                failure.error().message().contains("'sha256_password'"),
                failure.error().message());
        assertNull(channel.readOutbound());
        assertFalse(channel.isOpen());
    }

    /**
     * A client that negotiated MariaDB's extended metadata: the proxy asks the backend for it in the
     * last four reserved bytes (CLIENT_MYSQL stays clear, or the server would not read them), and for
     * nothing else of the 0x1d the greeting offers.
     */
    @Test
    void extendedMetadataTheClientNegotiatedIsAskedOfTheBackend() {
        start(login(AuthPlugin.MYSQL_NATIVE_PASSWORD, MariaDbCapability.EXTENDED_METADATA.mask()));
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
        start(login(AuthPlugin.MYSQL_NATIVE_PASSWORD, everything));
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
        start(login(AuthPlugin.MYSQL_NATIVE_PASSWORD, MariaDbCapability.EXTENDED_METADATA.mask()));
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
        assertEquals("s3cret", decrypt(channel.readOutbound(), 5, nonce, keys));
    }

    /** The password in {@code frame}, sequence {@code sequenceId}, decrypted with {@code keys}; releases it. */
    private static String decrypt(ByteBuf frame, int sequenceId, byte[] nonce, KeyPair keys) throws Exception {
        try {
            assertEquals(sequenceId, frame.getUnsignedByte(3));
            byte[] payload = ByteBufUtil.getBytes(frame, 4, frame.readableBytes() - 4);
            return RsaPasswordCipher.decrypt(payload, nonce, keys.getPrivate());
        } finally {
            frame.release();
        }
    }

    private static KeyPair rsaKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static BackendLogin login(AuthPlugin plugin, int mariaDbCapabilities) {
        return new BackendLogin("app", "s3cret", plugin, CLIENT_CAPABILITIES, mariaDbCapabilities, 45, null, null);
    }

    private static BackendLogin learned(AuthPlugin plugin, BackendSecret secret) {
        return new BackendLogin("app", secret, plugin, CLIENT_CAPABILITIES, 0, 45, null, null);
    }

    private static byte[] sha1(String password) throws Exception {
        return MessageDigest.getInstance("SHA-1").digest(password.getBytes(StandardCharsets.UTF_8));
    }

    /** Retrieval as given, and the public half of {@code pinned} as backends.server-public-key (null: none). */
    private static PasswordPolicy policy(boolean allowRetrieval, KeyPair pinned) {
        return new PasswordPolicy(new ProxyConfig.PasswordExchange(
                allowRetrieval,
                Optional.ofNullable(pinned)
                        .map(keys -> new ProxyConfig.ServerPublicKey(Path.of("server.pem"), keys.getPublic()))));
    }

    /**
     * Stands for the TLS layer h-tls puts in front of the handshake: the handler only asks whether the pipeline
     * has one. A server-mode engine added behind the handshake handler sees no traffic and starts nothing.
     */
    private static SslHandler idleTlsHandler() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(false);
        return new SslHandler(engine);
    }

    /** AuthSwitchRequest: 0xfe, plugin name NUL, 20-byte nonce + NUL. */
    private static String authSwitch(String plugin, byte[] nonce) {
        return "fe" + ByteBufUtil.hexDump(plugin.getBytes(StandardCharsets.US_ASCII)) + "00"
                + ByteBufUtil.hexDump(nonce) + "00";
    }

    private void start(BackendLogin login) {
        start(login, PasswordPolicy.STRICT);
    }

    private void start(BackendLogin login, PasswordPolicy policy) {
        start(login, policy, "db:3306");
    }

    private void start(BackendLogin login, PasswordPolicy policy, String address) {
        channel = new EmbeddedChannel();
        outcome = channel.eventLoop().newPromise();
        channel.pipeline()
                .addLast(BackendConnection.FRAMES, new PacketFrameDecoder())
                .addLast(BackendConnection.HANDSHAKE, new BackendHandshakeHandler(address, login, policy, outcome));
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

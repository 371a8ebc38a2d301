package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * caching_sha2_password's full authentication through the real connector, as configured, against a fake MySQL
 * server on plain TCP that records every login byte it receives: the password goes only encrypted with a key the
 * configuration trusts, and by default not at all.
 */
class FullAuthenticationOverTcpTest {

    private static final BackendLogin LOGIN =
            new BackendLogin("app", "pw", AuthPlugin.CACHING_SHA2_PASSWORD, PoolLogins.CAPABILITIES, 0, 45, null, null);

    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private FakeMySqlServer server;
    private KeyPair serverKeys;

    @BeforeEach
    void start() throws Exception {
        server = new FakeMySqlServer();
        serverKeys = rsaKeys();
        server.askForFullAuthentication(serverKeys);
    }

    @AfterEach
    void stop() {
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        server.close();
    }

    @Test
    void byDefaultTheServerGetsNoKeyRequestAndNoPasswordAndTheLoginFailsWith1429() throws Exception {
        Future<BackendConnection> login = connect(new ProxyConfig.PasswordExchange(false, Optional.empty()));

        BackendException failure =
                assertInstanceOf(BackendException.class, login.await().cause());
        assertEquals(1429, failure.error().errorCode());
        assertTrue(
                failure.error().message().contains("backends.allow-public-key-retrieval"),
                failure.error().message());
        assertOnlyTheHandshakeResponseArrived();
    }

    @Test
    void withRetrievalAllowedTheServerIsAskedForItsKeyAndGetsThePasswordEncryptedWithIt() throws Exception {
        Future<BackendConnection> login = connect(new ProxyConfig.PasswordExchange(true, Optional.empty()));

        assertTrue(login.await().isSuccess(), () -> String.valueOf(login.cause()));
        login.getNow().channel().close();
        List<byte[]> received = server.loginPayloads();
        assertEquals(3, received.size());
        assertArrayEquals(new byte[] {2}, received.get(1), "the key request");
        assertEquals("pw", decrypt(received.get(2), serverKeys));
    }

    @Test
    void withAPinnedKeyTheServerIsNeverAskedForItsKey() throws Exception {
        Future<BackendConnection> login = connect(pinned(serverKeys, true));

        assertTrue(login.await().isSuccess(), () -> String.valueOf(login.cause()));
        login.getNow().channel().close();
        List<byte[]> received = server.loginPayloads();
        assertEquals(2, received.size(), "handshake response, then the encrypted password");
        assertEquals("pw", decrypt(received.get(1), serverKeys));
    }

    /** An impostor without the pinned key's private half gets bytes it cannot read, and the login fails. */
    @Test
    void aServerWithoutThePinnedKeysPrivateHalfCannotReadThePassword() throws Exception {
        KeyPair pinned = rsaKeys();
        Future<BackendConnection> login = connect(pinned(pinned, true));

        BackendException failure =
                assertInstanceOf(BackendException.class, login.await().cause());
        assertEquals(1045, failure.error().errorCode(), "the fake could not decrypt what it got");
        List<byte[]> received = server.loginPayloads();
        assertEquals(2, received.size(), "no key request");
        assertEquals("pw", decrypt(received.get(1), pinned));
    }

    private void assertOnlyTheHandshakeResponseArrived() {
        List<byte[]> received = server.loginPayloads();
        assertEquals(1, received.size(), "nothing after the handshake response");
        // Its auth data is the scramble of the greeting's nonce, never the password: "pw" is not in it.
        byte[] scramble = CachingSha2Password.scramble("pw", FakeMySqlServer.nonce());
        String response = new String(received.get(0), StandardCharsets.ISO_8859_1);
        assertTrue(response.contains(new String(scramble, StandardCharsets.ISO_8859_1)));
        assertFalse(response.contains("pw\0"), "no clear password");
    }

    private Future<BackendConnection> connect(ProxyConfig.PasswordExchange exchange) {
        BackendConnector connector = new BackendConnector(
                () -> NioSocketChannel.class, Duration.ofSeconds(5), Duration.ofSeconds(5), exchange);
        return connector.connect(loops.next(), server.address(), LOGIN);
    }

    private static ProxyConfig.PasswordExchange pinned(KeyPair keys, boolean allowRetrieval) {
        return new ProxyConfig.PasswordExchange(
                allowRetrieval,
                Optional.of(new ProxyConfig.ServerPublicKey(Path.of("server-public.pem"), keys.getPublic())));
    }

    private static String decrypt(byte[] encrypted, KeyPair keys) throws Exception {
        return RsaPasswordCipher.decrypt(encrypted, FakeMySqlServer.nonce(), keys.getPrivate());
    }

    private static KeyPair rsaKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }
}

package io.mysqlproxy.core.backend;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mysqlproxy.core.config.BackendTlsMode;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.pool.PoolSettings;
import io.mysqlproxy.core.tls.BackendTlsContext;
import io.mysqlproxy.core.tls.TestPki;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.flag.Capability;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy's login to a backend over TLS, against a server on loopback that records what it
 * receives: the handshake response travels only inside TLS, and a server whose certificate fails the
 * mode's checks, or that does not offer TLS where it is required, receives nothing of the login.
 */
class BackendTlsTest {

    private static final String PASSWORD = "s3cret-Passw0rd";
    /** A client that did not use TLS to the proxy: the backend leg's TLS must not depend on it. */
    private static final BackendLogin LOGIN = new BackendLogin(
            "tls-user",
            PASSWORD,
            AuthPlugin.MYSQL_NATIVE_PASSWORD,
            Capability.maskOf(
                    Capability.PROTOCOL_41,
                    Capability.SECURE_CONNECTION,
                    Capability.PLUGIN_AUTH,
                    Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA,
                    Capability.TRANSACTIONS,
                    Capability.MULTI_RESULTS,
                    Capability.DEPRECATE_EOF),
            0,
            45,
            null,
            null);

    private static final TestPki CA = TestPki.create("mysql-proxy test CA");
    private static final TestPki OTHER_CA = TestPki.create("some other CA");

    @TempDir
    Path dir;

    private EventLoopGroup loops;
    private FakeTlsMySqlServer server;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger backendLogger = (Logger) LoggerFactory.getLogger("io.mysqlproxy.core.backend");

    @BeforeEach
    void start() {
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        log.start();
        backendLogger.addAppender(log);
    }

    @AfterEach
    void stop() {
        backendLogger.detachAppender(log);
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void verifyCaWithTheRightCaLogsInInsideTls() throws Exception {
        server = new FakeTlsMySqlServer(serverTls(CA.issue("db-0", List.of(), List.of("127.0.0.1"))));
        BackendConnection connection = connect(BackendTlsMode.VERIFY_CA).get(10, TimeUnit.SECONDS);

        assertTrue(connection.encrypted());
        BackendTlsSession session = connection.tls().orElseThrow();
        assertTrue(session.protocol().startsWith("TLSv1."), session.protocol());
        assertFalse(session.cipherSuite().isEmpty());
        assertTrue(Capability.SSL.isSet(connection.capabilities()));

        // SSLRequest with sequence id 1 and CLIENT_SSL, then the response inside TLS with sequence id 2.
        assertEquals(1, server.sslRequests().size());
        assertTrue(Capability.SSL.isSet(server.sslRequests().get(0).capabilities()));
        assertEquals(1, server.logins().size());
        FakeTlsMySqlServer.Login login = server.logins().get(0);
        assertTrue(login.inTls());
        assertEquals(2, login.sequenceId());
        assertEquals("tls-user", login.response().username());
        assertTrue(Capability.SSL.isSet(login.response().capabilities()));
        assertTrue(contains(server.decrypted(), LOGIN.user().getBytes(StandardCharsets.UTF_8)));
        assertNothingOfTheLoginOnTheWire();
        connection.close().syncUninterruptibly();
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedBeforeAnyByteOfTheLogin() throws Exception {
        server = new FakeTlsMySqlServer(serverTls(OTHER_CA.issue("impostor", List.of(), List.of("127.0.0.1"))));
        Future<BackendConnection> connecting = connect(BackendTlsMode.VERIFY_CA);

        BackendException failure = failure(connecting);
        assertEquals(
                ProxyErrors.ER_CONNECT_TO_FOREIGN_DATA_SOURCE, failure.error().errorCode());
        assertTrue(
                failure.error().message().contains("not signed by the configured CA"),
                failure.error().message());
        assertTrue(
                warnings().stream()
                        .anyMatch(m -> m.contains(server.address().toString())
                                && m.contains("not signed by the configured CA")),
                "a WARN names the backend and why: " + warnings());
        assertTrue(server.logins().isEmpty());
        assertEquals(0, server.decrypted().length, "nothing was sent inside TLS");
        assertNothingOfTheLoginOnTheWire();
    }

    @Test
    void requiredRefusesAServerWithoutTls() throws Exception {
        server = new FakeTlsMySqlServer(null);
        BackendException failure = failure(connect(BackendTlsMode.REQUIRED));

        assertEquals(
                ProxyErrors.ER_CONNECT_TO_FOREIGN_DATA_SOURCE, failure.error().errorCode());
        assertTrue(
                failure.error().message().contains("does not offer TLS"),
                failure.error().message());
        assertTrue(
                warnings().stream().anyMatch(m -> m.contains("does not offer TLS")),
                warnings().toString());
        assertEquals(0, server.raw().length, "the proxy sent nothing at all");
    }

    @Test
    void preferredLogsInInClearTextToAServerWithoutTls() throws Exception {
        server = new FakeTlsMySqlServer(null);
        BackendConnection connection = connect(BackendTlsMode.PREFERRED).get(10, TimeUnit.SECONDS);

        assertFalse(connection.encrypted());
        assertTrue(connection.tls().isEmpty());
        assertFalse(Capability.SSL.isSet(connection.capabilities()));
        assertFalse(server.logins().get(0).inTls());
        assertEquals(1, server.logins().get(0).sequenceId());
        connection.close().syncUninterruptibly();
    }

    @Test
    void preferredUsesTlsWhenOfferedWithoutCheckingTheCertificate() throws Exception {
        server = new FakeTlsMySqlServer(serverTls(OTHER_CA.issue("anyone", List.of("elsewhere.example"), List.of())));
        BackendConnection connection = connect(BackendTlsMode.PREFERRED).get(10, TimeUnit.SECONDS);

        assertTrue(connection.encrypted());
        assertTrue(server.logins().get(0).inTls());
        assertNothingOfTheLoginOnTheWire();
        connection.close().syncUninterruptibly();
    }

    @Test
    void disabledNeverAsksForTls() throws Exception {
        server = new FakeTlsMySqlServer(serverTls(CA.issue("db-0", List.of(), List.of("127.0.0.1"))));
        BackendConnection connection = connect(BackendTlsMode.DISABLED).get(10, TimeUnit.SECONDS);

        assertFalse(connection.encrypted());
        assertTrue(server.sslRequests().isEmpty());
        assertFalse(server.logins().get(0).inTls());
        connection.close().syncUninterruptibly();
    }

    @Test
    void verifyIdentityRefusesACertificateForAnotherName() throws Exception {
        server = new FakeTlsMySqlServer(serverTls(CA.issue("db-1", List.of("db-1.example"), List.of("10.0.0.9"))));
        BackendException failure = failure(connect(BackendTlsMode.VERIFY_IDENTITY));

        assertEquals(
                ProxyErrors.ER_CONNECT_TO_FOREIGN_DATA_SOURCE, failure.error().errorCode());
        assertTrue(
                failure.error().message().contains("does not name the host"),
                failure.error().message());
        assertTrue(server.logins().isEmpty());
        assertNothingOfTheLoginOnTheWire();
    }

    @Test
    void verifyIdentityAcceptsACertificateNamingTheAddress() throws Exception {
        server = new FakeTlsMySqlServer(serverTls(CA.issue("db-0", List.of("localhost"), List.of("127.0.0.1"))));
        BackendConnection connection = connect(BackendTlsMode.VERIFY_IDENTITY).get(10, TimeUnit.SECONDS);

        assertTrue(connection.encrypted());
        assertTrue(server.logins().get(0).inTls());
        connection.close().syncUninterruptibly();
    }

    @Test
    void aSecondConnectionResumesTheTlsSession() throws Exception {
        server = new FakeTlsMySqlServer(serverTls(CA.issue("db-0", List.of(), List.of("127.0.0.1"))));
        BackendConnector connector = connector(BackendTlsMode.VERIFY_CA);
        BackendConnection first =
                connector.connect(loops.next(), server.address(), LOGIN).get(10, TimeUnit.SECONDS);
        BackendConnection second =
                connector.connect(loops.next(), server.address(), LOGIN).get(10, TimeUnit.SECONDS);

        assertFalse(first.tls().orElseThrow().resumed(), "the first handshake is a full one");
        assertTrue(second.tls().orElseThrow().resumed(), "the second resumes the first's session");
        first.close().syncUninterruptibly();
        second.close().syncUninterruptibly();
    }

    @Test
    void aPoolCountsItsConnectionsInTlsAndTheResumedHandshakes() throws Exception {
        server = new FakeTlsMySqlServer(serverTls(CA.issue("db-0", List.of(), List.of("127.0.0.1"))));
        BackendPool pool = new BackendPool(
                new Backend(server.address(), BackendRole.REPLICA, "replica-1"),
                connector(BackendTlsMode.VERIFY_CA),
                new PoolSettings(4, Duration.ofMinutes(1), Duration.ofSeconds(5), Duration.ofSeconds(5)));
        EventLoop loop = loops.next();
        BackendConnection first =
                loop.submit(() -> pool.borrow(loop, LOGIN, true)).get().get(10, TimeUnit.SECONDS);
        BackendConnection second =
                loop.submit(() -> pool.borrow(loop, LOGIN, true)).get().get(10, TimeUnit.SECONDS);

        assertEquals(2, pool.tls().encryptedOpen());
        assertEquals(2, pool.tls().handshakes());
        assertEquals(1, pool.tls().resumedHandshakes());
        assertEquals(second.tls().orElseThrow(), pool.tls().latest());
        first.close().syncUninterruptibly();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.tls().encryptedOpen() == 1);
        pool.retire();
        second.close().syncUninterruptibly();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.tls().encryptedOpen() == 0);
    }

    @Test
    void theClientCertificateIsPresentedToAServerThatAsksForOne() throws Exception {
        TestPki.Issued serverCertificate = CA.issue("db-0", List.of(), List.of("127.0.0.1"));
        server = new FakeTlsMySqlServer(
                SslContextBuilder.forServer(serverCertificate.key(), serverCertificate.certificate())
                        .trustManager(CA.certificate())
                        .clientAuth(ClientAuth.REQUIRE)
                        .build());
        Path[] proxy =
                CA.issue("mysql-proxy", List.of("mysql-proxy"), List.of()).write(dir, "proxy");
        Path ca = CA.writeCertificate(dir.resolve("ca.pem"));
        BackendConnector withCertificate = new BackendConnector(
                () -> NioSocketChannel.class,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                BackendTlsContext.create(new ProxyConfig.BackendTls(
                        BackendTlsMode.VERIFY_CA,
                        Optional.of(ca),
                        Optional.of(proxy[0]),
                        Optional.of(proxy[1]),
                        List.of("TLSv1.2", "TLSv1.3"))));

        BackendConnection connection =
                withCertificate.connect(loops.next(), server.address(), LOGIN).get(10, TimeUnit.SECONDS);
        assertTrue(server.logins().get(0).inTls());
        connection.close().syncUninterruptibly();
        // Without one the server ends the connection (in TLS 1.3, after the client's side of the handshake).
        assertEquals(
                ProxyErrors.ER_CONNECT_TO_FOREIGN_DATA_SOURCE,
                failure(connect(BackendTlsMode.VERIFY_CA)).error().errorCode());
    }

    private Future<BackendConnection> connect(BackendTlsMode mode) throws Exception {
        return connector(mode).connect(loops.next(), server.address(), LOGIN);
    }

    private BackendConnector connector(BackendTlsMode mode) throws Exception {
        Path ca = CA.writeCertificate(dir.resolve("ca.pem"));
        BackendTlsContext tls = BackendTlsContext.create(new ProxyConfig.BackendTls(
                mode, Optional.of(ca), Optional.empty(), Optional.empty(), List.of("TLSv1.2", "TLSv1.3")));
        return new BackendConnector(() -> NioSocketChannel.class, Duration.ofSeconds(5), Duration.ofSeconds(5), tls);
    }

    private static SslContext serverTls(TestPki.Issued issued) throws Exception {
        return SslContextBuilder.forServer(issued.key(), issued.certificate()).build();
    }

    private static BackendException failure(Future<BackendConnection> connecting) throws InterruptedException {
        assertTrue(connecting.await(10, TimeUnit.SECONDS));
        return assertInstanceOf(BackendException.class, connecting.cause());
    }

    /** On the wire: no user name, no password, no scramble of it (native_password's, from the nonce). */
    private void assertNothingOfTheLoginOnTheWire() {
        byte[] wire = server.raw();
        assertFalse(contains(wire, LOGIN.user().getBytes(StandardCharsets.UTF_8)), "user name on the wire");
        assertFalse(contains(wire, PASSWORD.getBytes(StandardCharsets.UTF_8)), "password on the wire");
        byte[] scramble = NativePassword.scramble(PASSWORD, FakeTlsMySqlServer.NONCE);
        assertFalse(contains(wire, scramble), "password scramble on the wire");
    }

    private List<String> warnings() {
        return log.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.core.auth.AuthStep;
import io.mysqlproxy.core.auth.BackendSecret;
import io.mysqlproxy.core.auth.ClientAuthentication;
import io.mysqlproxy.core.auth.RsaKeys;
import io.mysqlproxy.core.auth.Sha2AuthCache;
import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.config.BackendTlsMode;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.tls.BackendTlsContext;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user learned from the primary's mysql.user logs in to the real primary with no configured password: the
 * account's row is read as the loader reads it, a client's login is checked against it by {@link
 * ClientAuthentication}, and the {@link BackendSecret} that gives opens a backend session through {@link
 * BackendConnector}. MariaDB: a mysql_native_password account, the secret SHA1(password) recovered from the
 * client's scramble. MySQL 9.7 (no mysql_native_password): a caching_sha2_password account, the secret the
 * password's bytes from the client's full authentication; the server's first login needs the password in full
 * too (over the bed's verified TLS, or RSA with key retrieval in clear), later ones its fast path. Both over the
 * bed's TLS when it has one (verify-ca against its CA) and in clear.
 */
@ExtendWith(TestBedExtension.class)
class LearnedSecretLoginIT {

    private static final String PASSWORD = "learned-sécret-ü";
    private static final int CAPABILITIES = Capability.maskOf(
            Capability.PROTOCOL_41,
            Capability.SECURE_CONNECTION,
            Capability.PLUGIN_AUTH,
            Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA,
            Capability.TRANSACTIONS,
            Capability.MULTI_RESULTS,
            Capability.DEPRECATE_EOF);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final EventLoopGroup loops = new NioEventLoopGroup(1);

    @AfterEach
    void stopLoops() {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aLearnedSecretLogsInToThePrimary(ReplicatedTestBed bed) throws Exception {
        boolean mysql = bed.flavour() == ServerFlavour.MYSQL;
        String user = mysql ? "learned_sha2" : "learned_native";
        String plugin = mysql ? "caching_sha2_password" : "mysql_native_password";
        UserAccount account = learn(bed.primary(), user, plugin);
        BackendSecret secret = mysql ? fullAuthentication(account) : nativeLogin(account);

        List<Boolean> overTls = bed.tls().isPresent() ? List.of(true, false) : List.of(false);
        for (boolean tls : overTls) {
            BackendConnector connector = tls ? verifyCa(bed) : plain();
            // On MySQL the first of these is the server's first login of the account: full authentication.
            for (int login = 0; login < 2; login++) {
                BackendConnection connection = connect(connector, bed.primary(), login(account, secret));
                try {
                    assertEquals(user, connection.login().user());
                    assertEquals(tls, connection.encrypted());
                    assertTrue(connection.isActive());
                } finally {
                    connection.close().syncUninterruptibly();
                }
            }
        }
    }

    /** A secret from another password gets the server's own 1045: the server really checked it. */
    @Test
    void aWrongSecretIsTheServersAccessDenied(ReplicatedTestBed bed) throws Exception {
        boolean mysql = bed.flavour() == ServerFlavour.MYSQL;
        UserAccount account =
                learn(bed.primary(), "learned_wrong", mysql ? "caching_sha2_password" : "mysql_native_password");
        BackendSecret wrong = mysql
                ? BackendSecret.learnedPassword("not-it".getBytes(StandardCharsets.UTF_8))
                : BackendSecret.nativeStage1(new byte[NativePassword.HASH_LENGTH]);
        BackendConnector connector = bed.tls().isPresent() ? verifyCa(bed) : plain();
        ExecutionException failed =
                assertThrows(ExecutionException.class, () -> connect(connector, bed.primary(), login(account, wrong)));
        assertEquals(
                1045,
                assertInstanceOf(BackendException.class, failed.getCause())
                        .error()
                        .errorCode());
    }

    /** MariaDB's native account: what a client's scramble gives is SHA1(password), the backend secret. */
    private static BackendSecret nativeLogin(UserAccount account) {
        byte[] nonce = nonce();
        ClientAuthentication auth = authentication(account, nonce, AuthPlugin.MYSQL_NATIVE_PASSWORD);
        AuthStep step =
                auth.start(account.name(), "mysql_native_password", NativePassword.scramble(PASSWORD, nonce), false);
        return assertInstanceOf(AuthStep.Success.class, step).secret();
    }

    /** MySQL's caching_sha2 account: no cache entry, so the password in full (over TLS), checked against $A$. */
    private static BackendSecret fullAuthentication(UserAccount account) {
        byte[] nonce = nonce();
        ClientAuthentication auth = authentication(account, nonce, AuthPlugin.CACHING_SHA2_PASSWORD);
        AuthStep first = auth.start(
                account.name(), "caching_sha2_password", CachingSha2Password.scramble(PASSWORD, nonce), true);
        assertInstanceOf(AuthStep.Reply.class, first, "full authentication asked for");
        AuthStep step = auth.next(CachingSha2Password.clearText(PASSWORD), true);
        return assertInstanceOf(AuthStep.Success.class, step).secret();
    }

    private static ClientAuthentication authentication(UserAccount account, byte[] nonce, AuthPlugin serverDefault) {
        return new ClientAuthentication(
                name -> name.equals(account.name()) ? Optional.of(account) : Optional.empty(),
                new Sha2AuthCache(),
                RsaKeys.generate(),
                nonce,
                "127.0.0.1",
                serverDefault);
    }

    /** Creates the account on the primary and reads its row, as the loader would. */
    private static UserAccount learn(TestBedServer primary, String user, String plugin) throws Exception {
        try (Connection root = primary.connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute("DROP USER IF EXISTS '" + user + "'@'%'");
            // MariaDB's default plugin is mysql_native_password; MySQL 9.7 has caching_sha2_password only.
            String with = plugin.equals("mysql_native_password") ? "" : " WITH " + plugin;
            s.execute("CREATE USER '" + user + "'@'%' IDENTIFIED" + with + " BY '" + PASSWORD + "'");
            try (PreparedStatement read = root.prepareStatement(
                    // The columns both flavours have (MariaDB keeps lock and expiry in mysql.global_priv's JSON).
                    "SELECT host, plugin, authentication_string FROM mysql.user WHERE user = ?")) {
                read.setString(1, user);
                try (ResultSet rs = read.executeQuery()) {
                    assertTrue(rs.next(), "the account's row");
                    ServerAccount row =
                            new ServerAccount(user, rs.getString(1), rs.getString(2), rs.getBytes(3), false, false);
                    return UserAccount.fromServer(row, Optional.empty());
                }
            }
        }
    }

    private static BackendLogin login(UserAccount account, BackendSecret secret) {
        return new BackendLogin(
                account.name(), secret, account.authPlugin().orElseThrow(), CAPABILITIES, 0, 45, null, null);
    }

    private BackendConnection connect(BackendConnector connector, TestBedServer server, BackendLogin login)
            throws Exception {
        return connector
                .connect(loops.next(), new HostPort(server.host(), server.port()), login)
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** In clear: full authentication with the key the server sends (allow-public-key-retrieval). */
    private static BackendConnector plain() {
        return new BackendConnector(
                () -> NioSocketChannel.class,
                TIMEOUT,
                TIMEOUT,
                new ProxyConfig.PasswordExchange(true, Optional.empty()));
    }

    private static BackendConnector verifyCa(ReplicatedTestBed bed) {
        return new BackendConnector(
                () -> NioSocketChannel.class,
                TIMEOUT,
                TIMEOUT,
                BackendTlsContext.create(new ProxyConfig.BackendTls(
                        BackendTlsMode.VERIFY_CA,
                        Optional.of(bed.tls().orElseThrow().caCertificate()),
                        Optional.empty(),
                        Optional.empty(),
                        List.of("TLSv1.2", "TLSv1.3"))));
    }

    private static byte[] nonce() {
        byte[] nonce = new byte[20];
        new SecureRandom().nextBytes(nonce);
        for (int i = 0; i < nonce.length; i++) {
            nonce[i] = (byte) (1 + (nonce[i] & 0x7f) % 127); // printable-ish and never NUL, as servers make them
        }
        return nonce;
    }
}

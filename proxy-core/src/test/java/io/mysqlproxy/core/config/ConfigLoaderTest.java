package io.mysqlproxy.core.config;

import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path file(String hocon) throws IOException {
        Path file = dir.resolve("app.conf");
        Files.writeString(file, hocon);
        return file;
    }

    private static final String MINIMAL = "mysql-proxy.users = [ { name = app, password = secret } ]\n";

    @Test
    void defaultsFromReferenceConf() throws IOException {
        ProxyConfig config = ConfigLoader.load(Optional.of(file(MINIMAL)), Map.of());
        assertEquals(6033, config.listenPort());
        assertEquals(9090, config.admin().port());
        assertEquals(new HostPort("127.0.0.1", 3306), config.backends().primary());
        assertEquals(List.of(), config.backends().replicas());
        assertEquals(Duration.ofSeconds(5), config.backends().connectTimeout());
        assertEquals(10000, config.client().maxConnections());
        assertEquals(64L * 1024 * 1024, config.client().maxAllowedPacket());
        assertEquals(Optional.empty(), config.user("app").orElseThrow().authPlugin(), "auto by default");
        assertEquals(Optional.empty(), config.client().defaultAuthPlugin());
        assertTrue(config.client().tls().enabled());
        assertFalse(config.client().tls().requireSecureTransport());
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), config.client().tls().protocols());
        assertEquals(
                new ProxyConfig.BeforeLogin(64 * 1024, 1000, 200),
                config.client().beforeLogin());
        assertEquals(
                new ProxyConfig.FailedLogins(
                        100, Duration.ofMinutes(10), 3, Duration.ofSeconds(1), Duration.ofSeconds(8), 10000),
                config.client().failedLogins());
        assertEquals(0, config.user("app").orElseThrow().maxConnections(), "no per-user limit by default");
        assertEquals(new ProxyConfig.SessionLimits(1024, 1L << 20, 64L << 10), config.session());
        assertEquals(
                new ProxyConfig.PasswordExchange(false, Optional.empty()),
                config.backends().passwordExchange(),
                "no password to a server's own key without TLS unless told");
        assertEquals(Optional.empty(), config.user("app").orElseThrow().backendAuthPlugin(), "auto by default");
        assertEquals(
                new ProxyConfig.BackendTls(
                        BackendTlsMode.PREFERRED,
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        List.of("TLSv1.2", "TLSv1.3")),
                config.backends().tls(),
                "TLS when the server offers it, with no certificate to configure");
    }

    @Test
    void globalConsistencyIsAcceptedAsTheDefaultAndPerUser() throws IOException {
        ProxyConfig config = ConfigLoader.load(Optional.of(file("""
                        mysql-proxy.routing.consistency = global
                        mysql-proxy.users = [ { name = app, password = a }, { name = report, password = b, consistency = GLOBAL } ]
                        """)), Map.of());
        assertEquals(Consistency.GLOBAL, config.routing().consistency());
        assertEquals(
                Optional.of(Consistency.GLOBAL),
                config.user("report").orElseThrow().consistency());
        assertEquals(Consistency.GLOBAL, Consistency.parse(" Global "));
        assertEquals(Duration.ofMillis(1), config.routing().consistencyLookupInterval());
    }

    @Test
    void theLookupIntervalMustBeShorterThanTheWaitTimeout() throws IOException {
        InvalidConfigException refused = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.of(file(MINIMAL + "mysql-proxy.routing.consistency-lookup-interval = 100ms\n")),
                        Map.of()));
        assertTrue(refused.getMessage().contains("routing.consistency-lookup-interval"), refused.getMessage());
        ProxyConfig zero = ConfigLoader.load(
                Optional.of(file(MINIMAL + "mysql-proxy.routing.consistency-lookup-interval = 0\n")), Map.of());
        assertEquals(Duration.ZERO, zero.routing().consistencyLookupInterval());
    }

    @Test
    void aPinnedServerKeyIsReadAtLoadAndRetrievalCanBeAllowed() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        PublicKey key = generator.generateKeyPair().getPublic();
        Path pem = dir.resolve("server-public.pem");
        Files.writeString(pem, RsaPasswordCipher.toPem(key));
        ProxyConfig config = ConfigLoader.load(
                Optional.of(file(MINIMAL + """
                        mysql-proxy.backends.server-public-key = "%s"
                        mysql-proxy.backends.allow-public-key-retrieval = true
                        mysql-proxy.users = [ { name = app, password = a, backend-auth-plugin = mysql_native_password } ]
                        """.formatted(pem))),
                Map.of("MYSQL_PROXY_USER", "app", "MYSQL_PROXY_PASSWORD", "from-secret"));
        ProxyConfig.PasswordExchange exchange = config.backends().passwordExchange();
        assertTrue(exchange.allowPublicKeyRetrieval());
        assertEquals(pem, exchange.serverPublicKey().orElseThrow().file());
        assertEquals(key, exchange.serverPublicKey().orElseThrow().key());
        assertEquals(
                Optional.of(AuthPlugin.MYSQL_NATIVE_PASSWORD),
                config.user("app").orElseThrow().backendAuthPlugin(),
                "kept when the environment sets the password");
    }

    @Test
    void aServerKeyFileThatIsNoRsaPublicKeyStopsTheLoadNamingTheFile() throws IOException {
        Path pem = dir.resolve("not-a-key.pem");
        Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n");
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.of(file(MINIMAL + "mysql-proxy.backends.server-public-key = \"" + pem + "\"\n")),
                        Map.of()));
        assertEquals("mysql-proxy.backends.server-public-key", e.key());
        assertTrue(e.getMessage().contains(pem.toString()), e.getMessage());
    }

    @Test
    void backendTlsIsReadWithItsFiles() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "CA");
        Path certificate = Files.writeString(dir.resolve("proxy.crt"), "certificate");
        Path key = Files.writeString(dir.resolve("proxy.key"), "key");
        ProxyConfig config = ConfigLoader.load(
                Optional.of(file(MINIMAL + "mysql-proxy.backends.tls { mode = verify-identity, ca = \"" + ca
                        + "\", certificate = \"" + certificate + "\", private-key = \"" + key
                        + "\", protocols = [\"TLSv1.3\"] }\n")),
                Map.of());
        assertEquals(
                new ProxyConfig.BackendTls(
                        BackendTlsMode.VERIFY_IDENTITY,
                        Optional.of(ca),
                        Optional.of(certificate),
                        Optional.of(key),
                        List.of("TLSv1.3")),
                config.backends().tls());
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.of(file(MINIMAL + "mysql-proxy.backends.tls.certificate = \"" + certificate + "\"\n")),
                        Map.of()));
        assertEquals("mysql-proxy.backends.tls.certificate", e.key(), "a certificate without its key");
    }

    @Test
    void theEnvironmentSetsTheBackendTlsMode() throws IOException {
        ProxyConfig config =
                ConfigLoader.load(Optional.of(file(MINIMAL)), Map.of("MYSQL_PROXY_BACKEND_TLS_MODE", "required"));
        assertEquals(BackendTlsMode.REQUIRED, config.backends().tls().mode());
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.of(file(MINIMAL)), Map.of("MYSQL_PROXY_BACKEND_TLS_MODE", "verify-ca")));
        assertEquals("mysql-proxy.backends.tls.ca", e.key(), "verify-ca without a CA");
    }

    @Test
    void failedLoginDefenceAndPerUserLimitsAreRead() throws IOException {
        ProxyConfig config = ConfigLoader.load(
                Optional.of(file("""
                mysql-proxy.users = [ { name = app, password = a, max-connections = 7 } ]
                mysql-proxy.client {
                  max-connect-errors = 5
                  host-block-time = 30s
                  failed-login-delay-after = 0
                  failed-login-delay = 0
                  failed-login-max-delay = 2s
                  failed-login-max-hosts = 50
                }
                """)), Map.of("MYSQL_PROXY_USER", "app", "MYSQL_PROXY_PASSWORD", "from-secret"));
        assertEquals(
                new ProxyConfig.FailedLogins(5, Duration.ofSeconds(30), 0, Duration.ZERO, Duration.ofSeconds(2), 50),
                config.client().failedLogins());
        assertEquals(
                7, config.user("app").orElseThrow().maxConnections(), "kept when the environment sets the password");
    }

    @Test
    void environmentOverridesTheFile() throws IOException {
        Path file = file(MINIMAL + "mysql-proxy.listen.port = 7000\nmysql-proxy.backends.primary = \"db:3306\"\n");
        ProxyConfig config = ConfigLoader.load(
                Optional.of(file),
                Map.of(
                        "MYSQL_PROXY_PORT", "3306",
                        "MYSQL_PROXY_ADMIN_PORT", "9999",
                        "MYSQL_PROXY_PRIMARY", "mysql-0.mysql:3307",
                        "MYSQL_PROXY_REPLICAS", "mysql-1.mysql:3306, mysql-2.mysql:3306",
                        "MYSQL_PROXY_USER", "svc",
                        "MYSQL_PROXY_PASSWORD", "from-secret",
                        "MYSQL_PROXY_MONITOR_USER", "monitor",
                        "MYSQL_PROXY_MONITOR_PASSWORD", "m"));
        assertEquals(3306, config.listenPort());
        assertEquals(9999, config.admin().port());
        assertEquals(new HostPort("mysql-0.mysql", 3307), config.backends().primary());
        assertEquals(
                List.of(new HostPort("mysql-1.mysql", 3306), new HostPort("mysql-2.mysql", 3306)),
                config.backends().replicas());
        assertEquals("from-secret", config.user("svc").orElseThrow().password());
        assertTrue(config.user("app").isPresent(), "file users stay");
        assertEquals("monitor", config.monitor().user());
    }

    @Test
    void environmentAloneIsEnough() {
        ProxyConfig config = ConfigLoader.load(
                Optional.empty(),
                Map.of("MYSQL_PROXY_USER", "app", "MYSQL_PROXY_PASSWORD", "pw", "MYSQL_PROXY_PRIMARY", "db:3306"));
        assertEquals("pw", config.user("app").orElseThrow().password());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "mysql-proxy.listen.port = 70000                         | mysql-proxy.listen.port",
                "mysql-proxy.listen.port = abc                           | mysql-proxy.listen.port",
                "mysql-proxy.admin.port = 6033                           | mysql-proxy.admin.port",
                "mysql-proxy.backends.primary = \"nocolon\"              | mysql-proxy.backends.primary",
                "mysql-proxy.backends.replicas = [\"a:1\", \"b:x\"]      | mysql-proxy.backends.replicas",
                "mysql-proxy.backends.connect-timeout = -1s              | mysql-proxy.backends.connect-timeout",
                "mysql-proxy.client.max-connections = 0                  | mysql-proxy.client.max-connections",
                "mysql-proxy.client.max-allowed-packet = 10              | mysql-proxy.client.max-allowed-packet",
                "mysql-proxy.client.default-auth-plugin = ed25519        | mysql-proxy.client.default-auth-plugin",
                "mysql-proxy.client.tls.certificate = /no/such/file.pem  | mysql-proxy.client.tls.certificate",
                "mysql-proxy.client.max-packet-before-login = 1KiB       | mysql-proxy.client.max-packet-before-login",
                "mysql-proxy.client.max-packet-before-login = 16MiB      | mysql-proxy.client.max-packet-before-login",
                "mysql-proxy.client.max-handshakes = 0                   | mysql-proxy.client.max-handshakes",
                "mysql-proxy.client.max-handshakes-per-address = 0       | mysql-proxy.client.max-handshakes-per-address",
                "mysql-proxy.client.tls.protocols = [\"TLSv1.1\"]        | mysql-proxy.client.tls.protocols",
                "mysql-proxy.client.tls.protocols = []                   | mysql-proxy.client.tls.protocols",
                "mysql-proxy.client.tls { enabled = false, require-secure-transport = true } | mysql-proxy.client.tls.require-secure-transport",
                "mysql-proxy.users = [ { name = app, password = x, auth-plugin = foo } ] | mysql-proxy.users[0].auth-plugin",
                "mysql-proxy.users = [ { name = a, backend-auth-plugin = sha256_password } ] | mysql-proxy.users[0].backend-auth-plugin",
                "mysql-proxy.backends.server-public-key = /no/such/key.pem | mysql-proxy.backends.server-public-key",
                "mysql-proxy.backends.allow-public-key-retrieval = maybe | mysql-proxy.backends.allow-public-key-retrieval",
                "mysql-proxy.users = [ { name = a }, { name = a } ]      | mysql-proxy.users[1].name",
                "mysql-proxy.users = [ { name = a }, { name = ops, admin = maybe } ] | mysql-proxy.users[1].admin",
                "mysql-proxy.users = []                                  | mysql-proxy.users",
                "mysql-proxy.users = [ { name = a, max-connections = -1 } ] | mysql-proxy.users[0].max-connections",
                "mysql-proxy.client.max-connect-errors = 0               | mysql-proxy.client.max-connect-errors",
                "mysql-proxy.backends.tls.mode = verify_full             | mysql-proxy.backends.tls.mode",
                "mysql-proxy.backends.tls.mode = verify-ca               | mysql-proxy.backends.tls.ca",
                "mysql-proxy.backends.tls.mode = verify-identity         | mysql-proxy.backends.tls.ca",
                "mysql-proxy.backends.tls.ca = /no/such/ca.pem           | mysql-proxy.backends.tls.ca",
                "mysql-proxy.backends.tls.private-key = /no/such/key.pem | mysql-proxy.backends.tls.private-key",
                "mysql-proxy.backends.tls.protocols = [\"TLSv1\"]        | mysql-proxy.backends.tls.protocols",
                "mysql-proxy.client.host-block-time = 0s                 | mysql-proxy.client.host-block-time",
                "mysql-proxy.client.failed-login-max-hosts = 0           | mysql-proxy.client.failed-login-max-hosts",
                "mysql-proxy.session.max-prepared-statements = 0        | mysql-proxy.session.max-prepared-statements",
                "mysql-proxy.session.max-prepared-statement-bytes = 100 | mysql-proxy.session.max-prepared-statement-bytes",
                "mysql-proxy.session.max-replayed-set-bytes = x         | mysql-proxy.session.max-replayed-set-bytes",
                "mysql-proxy.discovery.mode = consul                     | mysql-proxy.discovery.mode",
                "mysql-proxy.discovery.kubernetes.service = \"\"          | mysql-proxy.discovery.kubernetes.service",
                "mysql-proxy.discovery.kubernetes.port = 0               | mysql-proxy.discovery.kubernetes.port",
                "mysql-proxy.discovery { mode = kubernetes }, mysql-proxy.backends.replicas = [\"a:1\"] | mysql-proxy.backends.replicas"
            })
    void invalidValuesNameTheirKey(String line, String key) throws IOException {
        String users = line.contains("users") ? "" : MINIMAL;
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.of(file(users + line + "\n")), Map.of()));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().startsWith(key + ": "), e.getMessage());
    }

    @Test
    void usersAreAdminsOnlyWhenMarked() throws IOException {
        ProxyConfig config = ConfigLoader.load(
                Optional.of(file("""
                mysql-proxy.users = [
                  { name = app, password = a }
                  { name = ops, password = o, admin = true }
                  { name = batch, password = b, admin = false }
                ]
                """)), Map.of("MYSQL_PROXY_USER", "ops", "MYSQL_PROXY_PASSWORD", "from-secret"));
        assertFalse(config.user("app").orElseThrow().admin(), "not an admin by default");
        assertTrue(config.user("ops").orElseThrow().admin());
        assertEquals("from-secret", config.user("ops").orElseThrow().password());
        assertFalse(config.user("batch").orElseThrow().admin());
        assertTrue(config.user("ops").orElseThrow().toString().contains("admin"));
    }

    @Test
    void aUserAddedOnlyByTheEnvironmentIsNoAdmin() {
        ProxyConfig config =
                ConfigLoader.load(Optional.empty(), Map.of("MYSQL_PROXY_USER", "svc", "MYSQL_PROXY_PASSWORD", "pw"));
        assertFalse(config.user("svc").orElseThrow().admin());
    }

    @Test
    void discoveryIsStaticUnlessConfigured() throws IOException {
        ProxyConfig defaults = ConfigLoader.load(Optional.of(file(MINIMAL)), Map.of());
        assertEquals(DiscoveryMode.STATIC, defaults.discovery().mode());
        assertEquals(
                new ProxyConfig.Kubernetes("", "mysql", "mysql", 3306, "mysql", ""),
                defaults.discovery().kubernetes());

        ProxyConfig kubernetes = ConfigLoader.load(Optional.of(file(MINIMAL + """
                mysql-proxy.discovery {
                  mode = kubernetes
                  kubernetes {
                    namespace = db, service = mariadb, port-name = "", port = 3307
                    statefulset = mariadb, pod-label = "example.com/role=database"
                  }
                }
                """)), Map.of());
        assertEquals(DiscoveryMode.KUBERNETES, kubernetes.discovery().mode());
        assertEquals(
                new ProxyConfig.Kubernetes("db", "mariadb", "", 3307, "mariadb", "example.com/role=database"),
                kubernetes.discovery().kubernetes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"app", "=mysql", "app=my sql", "a=b=c", "app:mysql"})
    void aPodLabelIsOneKeyEqualsValue(String label) {
        InvalidConfigException wrong = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.of(file(MINIMAL + "mysql-proxy.discovery.kubernetes.pod-label = \"" + label + "\"\n")),
                        Map.of()));
        assertEquals("mysql-proxy.discovery.kubernetes.pod-label", wrong.key());
    }

    @Test
    void thePrimaryIsTheConfiguredOneUnlessToldToFollowTheWritableServer() throws IOException {
        assertEquals(
                PrimaryMode.CONFIGURED,
                ConfigLoader.load(Optional.of(file(MINIMAL)), Map.of())
                        .backends()
                        .primaryMode());
        assertEquals(
                PrimaryMode.FOLLOW_WRITABLE,
                ConfigLoader.load(
                                Optional.of(file(MINIMAL + "mysql-proxy.backends.primary-mode = follow-writable\n")),
                                Map.of())
                        .backends()
                        .primaryMode());
        InvalidConfigException wrong = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.of(file(MINIMAL + "mysql-proxy.backends.primary-mode = elected\n")), Map.of()));
        assertEquals(
                "mysql-proxy.backends.primary-mode: must be configured or follow-writable, got 'elected'",
                wrong.getMessage());
        // Outside a cluster, the image's kubernetes discovery is switched off through the environment.
        assertEquals(
                DiscoveryMode.STATIC,
                ConfigLoader.load(
                                Optional.of(file(MINIMAL + "mysql-proxy.discovery.mode = kubernetes\n")),
                                Map.of("MYSQL_PROXY_DISCOVERY", "static"))
                        .discovery()
                        .mode());
    }

    @Test
    void multiplexingIsIdleUnlessSetToTransactionInTheFileOrTheEnvironment() throws IOException {
        assertEquals(
                Multiplexing.IDLE,
                ConfigLoader.load(Optional.of(file(MINIMAL)), Map.of())
                        .backends()
                        .pool()
                        .multiplexing());
        assertEquals(
                Multiplexing.TRANSACTION,
                ConfigLoader.load(
                                Optional.of(file(MINIMAL + "mysql-proxy.backends.pool.multiplexing = transaction\n")),
                                Map.of())
                        .backends()
                        .pool()
                        .multiplexing());
        assertEquals(
                Multiplexing.TRANSACTION,
                ConfigLoader.load(Optional.of(file(MINIMAL)), Map.of("MYSQL_PROXY_MULTIPLEXING", "transaction"))
                        .backends()
                        .pool()
                        .multiplexing());
        InvalidConfigException wrong = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.of(file(MINIMAL + "mysql-proxy.backends.pool.multiplexing = statement\n")), Map.of()));
        assertEquals(
                "mysql-proxy.backends.pool.multiplexing: must be idle or transaction, got 'statement'",
                wrong.getMessage());
    }

    @Test
    void thePreparedStatementCacheHolds16PerConnectionUnlessSetAndZeroTurnsItOff() throws IOException {
        assertEquals(
                16,
                ConfigLoader.load(Optional.of(file(MINIMAL)), Map.of())
                        .backends()
                        .pool()
                        .preparedStatementCache());
        assertEquals(
                0,
                ConfigLoader.load(
                                Optional.of(file(MINIMAL + "mysql-proxy.backends.pool.prepared-statement-cache = 0\n")),
                                Map.of())
                        .backends()
                        .pool()
                        .preparedStatementCache());
        InvalidConfigException negative = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.of(file(MINIMAL + "mysql-proxy.backends.pool.prepared-statement-cache = -1\n")),
                        Map.of()));
        assertEquals(
                "mysql-proxy.backends.pool.prepared-statement-cache: must be at least 0, got -1",
                negative.getMessage());
    }

    @Test
    void syntaxErrorsAndMissingFilesAreReported() throws IOException {
        InvalidConfigException syntax = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.of(file("mysql-proxy { listen { port = ")), Map.of()));
        assertTrue(syntax.getMessage().contains("app.conf"), syntax.getMessage());
        InvalidConfigException missing = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.of(dir.resolve("absent.conf")), Map.of()));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }

    @Test
    void passwordsNeverAppearInToString() throws IOException {
        ProxyConfig config = ConfigLoader.load(
                Optional.of(file(MINIMAL + "mysql-proxy.monitor { user = mon, password = monitor-pw }\n")), Map.of());
        assertFalse(config.toString().contains("secret"), config.toString());
        assertFalse(config.toString().contains("monitor-pw"), config.toString());
    }

    @Test
    void poolIdleReserveAndUserShare() throws IOException {
        ProxyConfig.Pool defaults = ConfigLoader.load(Optional.of(file(MINIMAL)), Map.of())
                .backends()
                .pool();
        assertEquals(16, defaults.maxIdlePerKey());
        assertEquals(Duration.ofSeconds(10), defaults.excessIdleTimeout());
        assertEquals(Integer.MAX_VALUE, defaults.maxPerUser(), "no share by default");
        ProxyConfig.Pool small = ConfigLoader.load(
                        Optional.of(file(MINIMAL
                                + "mysql-proxy.backends.pool { max-connections = 3, max-per-user-percent = 10 }\n")),
                        Map.of())
                .backends()
                .pool();
        assertEquals(1, small.maxPerUser(), "never below one connection");
        for (String line : List.of("max-per-user-percent = 101", "max-per-user-percent = 0", "max-idle-per-key = -1")) {
            InvalidConfigException e = assertThrows(
                    InvalidConfigException.class,
                    () -> ConfigLoader.load(
                            Optional.of(file(MINIMAL + "mysql-proxy.backends.pool." + line + "\n")), Map.of()));
            assertTrue(e.key().startsWith("mysql-proxy.backends.pool."), e.getMessage());
        }
    }

    @Test
    void hostPortParsing() {
        assertEquals(new HostPort("::1", 3306), HostPort.parse("[::1]:3306"));
        assertEquals("[::1]:3306", new HostPort("::1", 3306).toString());
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("host:"));
    }
}

package io.mysqlproxy.core.health;

import io.mysqlproxy.core.backend.FakeTlsMySqlServer;
import io.mysqlproxy.core.config.BackendTlsMode;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.tls.TestPki;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The health monitor's Connector/J connections follow backends.tls: the same mode, and the PEM CA
 * and client certificate as PKCS12 stores that Connector/J reads, which verify a server as the
 * proxy's own connections do.
 */
class ConnectorJTlsTest {

    private static final TestPki CA = TestPki.create("health CA");

    @TempDir
    Path dir;

    @Test
    void preferredAndRequiredNeedNoStore() {
        Map<String, String> preferred = ConnectorJTls.properties(tls(BackendTlsMode.PREFERRED, Optional.empty()));
        assertEquals(Map.of("sslMode", "PREFERRED", "tlsVersions", "TLSv1.2,TLSv1.3"), preferred);
        assertEquals(
                "DISABLED",
                ConnectorJTls.properties(ProxyConfig.BackendTls.disabled()).get("sslMode"));
        assertEquals(
                "VERIFY_IDENTITY",
                ConnectorJTls.properties(tls(BackendTlsMode.VERIFY_IDENTITY, Optional.of(ca())))
                        .get("sslMode"));
    }

    @Test
    void verifyCaMakesAPrivateTrustStoreOfTheCaBundle() throws Exception {
        Map<String, String> properties = ConnectorJTls.properties(tls(BackendTlsMode.VERIFY_CA, Optional.of(ca())));
        assertEquals("VERIFY_CA", properties.get("sslMode"));
        assertEquals("PKCS12", properties.get("trustCertificateKeyStoreType"));
        assertEquals("false", properties.get("fallbackToSystemTrustStore"));
        Path store = Path.of(URI.create(properties.get("trustCertificateKeyStoreUrl")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store)));
        KeyStore loaded = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            loaded.load(in, properties.get("trustCertificateKeyStorePassword").toCharArray());
        }
        assertEquals(CA.certificate(), loaded.getCertificate(loaded.aliases().nextElement()));
    }

    @Test
    void aClientCertificateBecomesAKeyStore() throws Exception {
        Path[] client =
                CA.issue("mysql-proxy", List.of("mysql-proxy"), List.of()).write(dir, "client");
        Map<String, String> properties = ConnectorJTls.properties(new ProxyConfig.BackendTls(
                BackendTlsMode.REQUIRED,
                Optional.empty(),
                Optional.of(client[0]),
                Optional.of(client[1]),
                List.of("TLSv1.3")));
        KeyStore loaded = KeyStore.getInstance("PKCS12");
        char[] password = properties.get("clientCertificateKeyStorePassword").toCharArray();
        try (InputStream in =
                Files.newInputStream(Path.of(URI.create(properties.get("clientCertificateKeyStoreUrl"))))) {
            loaded.load(in, password);
        }
        assertTrue(loaded.isKeyEntry("client"));
        assertTrue(loaded.getKey("client", password) != null);
        assertFalse(properties.containsKey("trustCertificateKeyStoreUrl"), "required verifies nothing");
    }

    @Test
    void connectorJRefusesAServerFromAnotherCaBeforeItLogsIn() throws Exception {
        TestPki.Issued impostor = TestPki.create("other CA").issue("db", List.of(), List.of("127.0.0.1"));
        try (FakeTlsMySqlServer server =
                new FakeTlsMySqlServer(SslContextBuilder.forServer(impostor.key(), impostor.certificate())
                        .build())) {
            SQLException e = assertThrows(SQLException.class, () -> connect(server, BackendTlsMode.VERIFY_CA));
            assertTrue(server.logins().isEmpty(), "no login reached it: " + e);
            assertEquals(1, server.sslRequests().size(), "it got as far as TLS");
        }
    }

    @Test
    void connectorJLogsInInsideTlsToAServerOfTheConfiguredCa() throws Exception {
        TestPki.Issued db = CA.issue("db", List.of(), List.of("127.0.0.1"));
        try (FakeTlsMySqlServer server = new FakeTlsMySqlServer(
                SslContextBuilder.forServer(db.key(), db.certificate()).build())) {
            connect(server, BackendTlsMode.VERIFY_CA);
            assertEquals(1, server.logins().size());
            assertTrue(server.logins().get(0).inTls());
        }
    }

    private void connect(FakeTlsMySqlServer server, BackendTlsMode mode) throws Exception {
        Properties properties = new Properties();
        ConnectorJTls.properties(tls(mode, Optional.of(ca()))).forEach(properties::setProperty);
        properties.setProperty("user", "monitor");
        properties.setProperty("password", "pw");
        properties.setProperty("connectTimeout", "5000");
        properties.setProperty("socketTimeout", "5000");
        DriverManager.getConnection(
                        "jdbc:mysql://" + server.address().host() + ":"
                                + server.address().port() + "/",
                        properties)
                .close();
    }

    private Path ca() {
        try {
            return CA.writeCertificate(dir.resolve("ca.pem"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ProxyConfig.BackendTls tls(BackendTlsMode mode, Optional<Path> ca) {
        return new ProxyConfig.BackendTls(mode, ca, Optional.empty(), Optional.empty(), List.of("TLSv1.2", "TLSv1.3"));
    }
}

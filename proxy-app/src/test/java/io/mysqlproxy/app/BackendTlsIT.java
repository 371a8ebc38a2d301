package io.mysqlproxy.app;

import com.fasterxml.jackson.jr.ob.JSON;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import io.mysqlproxy.testbed.TestBedTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The test bed's proxy runs backends.tls.mode = verify-ca against the bed's own CA (disabled under
 * {@code -Dtestbed.backend-tls=off}): its backend sessions are then all in TLS, whatever the client's own
 * leg does (here the client talks to the proxy in clear text). {@code Ssl_cipher} read through the proxy
 * is the backend session's own; SHOW PROXY BACKENDS and {@code /backends} say the same. A server whose
 * certificate comes from another CA gets nothing and the client gets 1429.
 */
@ExtendWith(TestBedExtension.class)
class BackendTlsIT {

    private static final String ADMIN_APP =
            "mysql-proxy.users = [ { name = app, password = app-secret, auth-plugin = mysql_native_password, "
                    + "admin = true } ]";

    @Test
    void backendSessionsAreEncryptedUnderVerifyCa(ReplicatedTestBed bed) throws Exception {
        boolean serversOfferTls = bed.tls().isPresent();
        try (ProxyFixture proxy = ProxyFixture.start(bed, ADMIN_APP);
                Connection c = proxy.connect("sslMode=DISABLED");
                Statement s = c.createStatement()) {
            String throughProxy = sslCipher(c);
            assertEquals(
                    serversOfferTls, !throughProxy.isEmpty(), "Ssl_cipher through the proxy: '" + throughProxy + "'");
            long encrypted = 0;
            long open = 0;
            try (ResultSet rs = s.executeQuery("SHOW PROXY BACKENDS")) {
                while (rs.next()) {
                    encrypted += rs.getLong("connections_tls");
                    open += rs.getLong("connections_open");
                    if (serversOfferTls && rs.getLong("connections_tls") > 0) {
                        assertTrue(rs.getString("tls_protocol").startsWith("TLSv1."), rs.getString("tls_protocol"));
                        assertTrue(rs.getLong("tls_handshakes") >= rs.getLong("connections_tls"));
                    }
                }
            }
            assertTrue(open > 0);
            assertEquals(serversOfferTls ? open : 0, encrypted, "every backend connection is in TLS, or none");
            if (serversOfferTls) {
                // Sessions open at once take connections of their own to the same server: they resume TLS.
                try (Connection second = proxy.connect("sslMode=DISABLED");
                        Connection third = proxy.connect("sslMode=DISABLED")) {
                    sslCipher(second);
                    sslCipher(third);
                }
                long resumed = 0;
                try (ResultSet rs = s.executeQuery("SHOW PROXY BACKENDS")) {
                    while (rs.next()) {
                        resumed += rs.getLong("tls_resumed");
                    }
                }
                assertTrue(resumed > 0, "no TLS session resumed: " + proxy.admin("/backends"));
            }
            String json = proxy.admin("/backends");
            for (Object backend : (List<?>) JSON.std.mapFrom(json).get("backends")) {
                Object protocol = ((Map<?, ?>) ((Map<?, ?>) backend).get("tls")).get("protocol");
                assertEquals(
                        serversOfferTls, protocol != null && protocol.toString().startsWith("TLSv1."), json);
            }
        }
    }

    private static String sslCipher(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
            return rs.next() ? rs.getString(2) : "";
        }
    }

    @Test
    void aServerWithACertificateOfAnotherCaIsRefused(ReplicatedTestBed bed, @TempDir Path dir) throws Exception {
        assumeTrue(bed.tls().isPresent(), "the bed's servers present no certificate of the bed's CA");
        try (TestBedServer impostor =
                new TestBedServer(bed.flavour(), 101, false, Optional.of(TestBedTls.generate(dir)))) {
            impostor.start();
            String overrides = """
                    mysql-proxy.backends { primary = "%s:%d", replicas = [], primary-outage-buffer = 0 }
                    """.formatted(impostor.host(), impostor.port());
            try (ProxyFixture proxy = ProxyFixture.start(bed, overrides)) {
                // The login itself needs the primary, so it is the login that fails.
                SQLException e = assertThrows(
                        SQLException.class,
                        () -> proxy.connect("sslMode=DISABLED").close());
                assertEquals(1429, e.getErrorCode(), e.getMessage());
                assertTrue(e.getMessage().contains("certificate not signed by the configured CA"), e.getMessage());
            }
        }
    }
}

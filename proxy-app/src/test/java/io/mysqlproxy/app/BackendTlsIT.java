package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With the default backends.tls.mode (preferred) the proxy's backend sessions run in TLS exactly when
 * the servers offer it (MySQL 9.7 makes itself a certificate; a server without one is reached in clear
 * text), whatever the client's own leg does: here the client talks to the proxy in clear text.
 * {@code Ssl_cipher} read through the proxy is the backend session's own; SHOW PROXY BACKENDS and
 * {@code /backends} say the same.
 */
@ExtendWith(TestBedExtension.class)
class BackendTlsIT {

    private static final String ADMIN_APP =
            "mysql-proxy.users = [ { name = app, password = app-secret, auth-plugin = mysql_native_password, "
                    + "admin = true } ]";

    @Test
    void backendSessionsAreEncryptedWhenTheServersOfferTls(ReplicatedTestBed bed) throws Exception {
        String direct;
        try (Connection c = ProxyFixture.connectDirect(bed, "sslMode=PREFERRED")) {
            direct = sslCipher(c);
        }
        boolean serversOfferTls = !direct.isEmpty();
        try (ProxyFixture proxy = ProxyFixture.start(bed, ADMIN_APP);
                Connection c = proxy.connect("sslMode=DISABLED");
                Statement s = c.createStatement()) {
            String throughProxy = sslCipher(c);
            assertEquals(
                    serversOfferTls,
                    !throughProxy.isEmpty(),
                    "Ssl_cipher through the proxy: '" + throughProxy + "', straight to the primary: '" + direct + "'");
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
            assertEquals(serversOfferTls, json.contains("\"protocol\":\"TLSv1."), json);
        }
    }

    private static String sslCipher(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
            return rs.next() ? rs.getString(2) : "";
        }
    }
}

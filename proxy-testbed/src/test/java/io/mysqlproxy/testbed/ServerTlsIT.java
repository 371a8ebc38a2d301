package io.mysqlproxy.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLHandshakeException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The servers' TLS as a verifying client sees it: Connector/J with {@code sslMode=VERIFY_CA} and a trust store
 * holding only the bed's CA, on the flavour this JVM runs. Not named {@code Test*}, which Surefire would run too.
 */
@ExtendWith(TestBedExtension.class)
class ServerTlsIT {

    private final ReplicatedTestBed bed;

    ServerTlsIT(ReplicatedTestBed bed) {
        this.bed = bed;
    }

    @Test
    void everyServerPresentsTheBedsCertificateAndEncrypts() throws SQLException {
        assumeTrue(bed.tls().isPresent(), TestBedTlsMode.PROPERTY + "=off: the servers have no certificates");
        TestBedTls tls = bed.tls().orElseThrow();
        assertEquals(ReplicatedTestBed.DEFAULT_REPLICAS + 1, bed.servers().size());
        for (TestBedServer server : bed.servers()) {
            assertEquals(bed.tls(), server.tls(), server::toString);
            try (Connection connection = connect(server, tls.jdbcOptions());
                    Statement statement = connection.createStatement()) {
                assertEquals(server.serverId(), queryLong(statement, "SELECT @@server_id"), server::toString);
                String cipher = status(statement, "Ssl_cipher");
                assertFalse(cipher.isEmpty(), () -> server + " reports no cipher");
                assertTrue(status(statement, "Ssl_version").startsWith("TLSv1."), server::toString);
                // bench/backend-tls.sh finds the CA for the proxy this way.
                assertEquals(tls.caCertificate().toString(), queryString(statement, "SELECT @@ssl_ca"));
            }
        }
    }

    /** What a proxy with {@code verify-identity} checks: the certificate names 127.0.0.1, the address dialled. */
    @Test
    void serverCertificateMatchesTheLoopbackAddress() throws SQLException {
        assumeTrue(bed.tls().isPresent(), TestBedTlsMode.PROPERTY + "=off: the servers have no certificates");
        String options = bed.tls().orElseThrow().jdbcOptions().replace("VERIFY_CA", "VERIFY_IDENTITY");
        try (Connection connection = connect(bed.primary(), options);
                Statement statement = connection.createStatement()) {
            assertFalse(status(statement, "Ssl_cipher").isEmpty());
        }
    }

    /** A client that trusts another CA must not reach any server: the certificate, not TLS as such, is checked. */
    @Test
    void clientTrustingAnotherCaIsRefused(@TempDir Path dir) {
        TestBedTls foreign = TestBedTls.generate(dir);
        for (TestBedServer server : bed.servers()) {
            SQLException refused = assertThrows(
                    SQLException.class,
                    () -> connect(server, foreign.jdbcOptions()).close());
            if (bed.tls().isPresent()) {
                assertTrue(causedBy(refused, SSLHandshakeException.class), () -> server + ": " + refused);
            }
        }
    }

    private static Connection connect(TestBedServer server, String options) throws SQLException {
        String url = "jdbc:mysql://" + server.host() + ":" + server.port() + "/" + ReplicatedTestBed.APP_DATABASE
                + "?connectTimeout=5000&" + options;
        return DriverManager.getConnection(url, DbAccount.APP.user(), DbAccount.APP.password());
    }

    private static String status(Statement statement, String name) throws SQLException {
        try (ResultSet rs = statement.executeQuery("SHOW SESSION STATUS LIKE '" + name + "'")) {
            assertTrue(rs.next(), name);
            return rs.getString(2);
        }
    }

    private static long queryLong(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    private static String queryString(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}

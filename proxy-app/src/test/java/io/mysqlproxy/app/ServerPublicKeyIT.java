package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * caching_sha2_password's full authentication against real MySQL 9.7 over plain TCP: a user the server has not
 * seen since it started is refused by default without a byte of its password sent (error 1429 naming the
 * settings), and logs in with the server's own public key pinned, without asking the server for it. MariaDB has
 * no caching_sha2_password: skipped there.
 */
@ExtendWith(TestBedExtension.class)
class ServerPublicKeyIT {

    private static final String USER = "pinned_key_user";
    private static final String PASSWORD = "pinned-key-secret";

    @Test
    void aFirstLoginIsRefusedWithoutTlsOrKeyAndWorksWithThePinnedKey(ReplicatedTestBed bed, @TempDir Path dir)
            throws Exception {
        assumeTrue(bed.flavour() == ServerFlavour.MYSQL, "caching_sha2_password's full authentication is MySQL's");
        Path pem = dir.resolve("primary-public.pem");
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            // A new account: no server has it in its caching_sha2 cache, so its first login needs the password.
            s.execute("DROP USER IF EXISTS '" + USER + "'@'%'");
            s.execute("CREATE USER '" + USER + "'@'%' IDENTIFIED WITH caching_sha2_password BY '" + PASSWORD + "'");
            s.execute("GRANT SELECT ON app.* TO '" + USER + "'@'%'");
            try (ResultSet rs = s.executeQuery("SHOW STATUS LIKE 'Caching_sha2_password_rsa_public_key'")) {
                assertTrue(rs.next(), "the primary's RSA public key");
                Files.writeString(pem, rs.getString(2));
            }
        }
        bed.awaitReplication();
        // Without TLS to the servers (the bed's proxy has verify-ca otherwise).
        String user = "mysql-proxy.users = [ { name = " + USER + ", password = " + PASSWORD
                + ", auth-plugin = mysql_native_password } ]\nmysql-proxy.backends.tls.mode = disabled\n";

        try (ProxyFixture strict =
                ProxyFixture.start(bed, user + "mysql-proxy.backends.allow-public-key-retrieval = false\n")) {
            SQLException refused = assertThrows(
                    SQLException.class, () -> strict.connect(USER, PASSWORD, "").close());
            assertEquals(1429, refused.getErrorCode(), refused.getMessage());
            assertTrue(
                    refused.getMessage().contains("backends.server-public-key or backends.allow-public-key-retrieval"),
                    refused.getMessage());
        }

        // The login goes to the primary, whose key is pinned; the replicas have keys of their own.
        try (ProxyFixture pinned = ProxyFixture.start(
                        bed,
                        user + "mysql-proxy.backends { allow-public-key-retrieval = false, server-public-key = \"" + pem
                                + "\" }\n");
                Connection c = pinned.connect(USER, PASSWORD, "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_USER() /* route=primary */")) {
            assertTrue(rs.next());
            assertTrue(rs.getString(1).startsWith(USER + "@"), rs.getString(1));
        }
    }
}

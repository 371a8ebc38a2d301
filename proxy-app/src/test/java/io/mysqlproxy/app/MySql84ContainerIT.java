package io.mysqlproxy.app;

import io.mysqlproxy.core.config.ConfigLoader;
import io.mysqlproxy.core.server.ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.MySQLContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy in front of MySQL 8.4 (Testcontainers), where a Docker daemon exists; skipped without
 * one. MySQL's own account uses caching_sha2_password, so the proxy's backend login goes through
 * full authentication with the RSA key exchange the first time and the fast path afterwards, and
 * Connector/J talks caching_sha2_password to the proxy with a MySQL 8.4 greeting.
 */
@Testcontainers(disabledWithoutDocker = true)
class MySql84ContainerIT {

    @Container
    private static final MySQLContainer<?> MYSQL = new MySQLContainer<>("mysql:8.4")
            .withDatabaseName("app")
            .withUsername("app")
            .withPassword("app-secret");

    private static ProxyServer proxy;

    @BeforeAll
    static void startProxy() throws Exception {
        Path file = Files.createTempFile("mysql-proxy-mysql84", ".conf");
        try {
            Files.writeString(file, """
                    mysql-proxy {
                      listen { host = "127.0.0.1", port = %d }
                      admin.port = %d
                      backends.primary = "%s:%d"
                      users = [ { name = app, password = app-secret, auth-plugin = caching_sha2_password } ]
                    }
                    """.formatted(
                    ProxyFixture.freePort(), ProxyFixture.freePort(), MYSQL.getHost(), MYSQL.getMappedPort(3306)));
            proxy = ProxyServer.start(ConfigLoader.load(Optional.of(file), Map.of()));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @AfterAll
    static void stopProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static Connection viaProxy(String properties) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mysql://127.0.0.1:" + proxy.port() + "/app?" + properties, "app", "app-secret");
    }

    private static Connection direct(String properties) throws SQLException {
        return DriverManager.getConnection(MYSQL.getJdbcUrl() + "?" + properties, "app", "app-secret");
    }

    @Test
    void connectorJThroughTlsAndRsaSeesMySql84() throws SQLException {
        for (String properties :
                List.of("sslMode=REQUIRED", "sslMode=DISABLED&allowPublicKeyRetrieval=true", "sslMode=DISABLED")) {
            try (Connection c = viaProxy(properties);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT VERSION(), CURRENT_USER()")) {
                assertTrue(rs.next());
                assertTrue(rs.getString(1).startsWith("8.4"), rs.getString(1));
                assertEquals("app@%", rs.getString(2));
            }
        }
    }

    @Test
    void resultsEqualADirectConnection() throws SQLException {
        try (Connection c = direct("allowPublicKeyRetrieval=true&sslMode=DISABLED");
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS corpus (id INT PRIMARY KEY, v VARCHAR(20), d DECIMAL(6,2),"
                    + " t DATETIME(6), b BLOB, j JSON)");
            s.execute("REPLACE INTO corpus VALUES (1, 'one', 1.5, '2024-01-02 03:04:05.123456', x'00ff', '{\"a\":1}'),"
                    + " (2, NULL, NULL, NULL, NULL, NULL)");
        }
        for (String mode : List.of(
                "useServerPrepStmts=false",
                "useServerPrepStmts=true&cachePrepStmts=true",
                "useCursorFetch=true&defaultFetchSize=1",
                "allowMultiQueries=true")) {
            String properties = mode + "&sslMode=DISABLED&allowPublicKeyRetrieval=true";
            try (Connection d = direct(properties);
                    Connection p = viaProxy(properties)) {
                assertEquals(rows(d), rows(p), mode);
            }
        }
    }

    private static List<List<String>> rows(Connection c) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM corpus WHERE id >= ? ORDER BY id")) {
            ps.setInt(1, 0);
            try (ResultSet rs = ps.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= columns; i++) {
                        row.add(rs.getMetaData().getColumnTypeName(i) + "=" + rs.getString(i));
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }
}

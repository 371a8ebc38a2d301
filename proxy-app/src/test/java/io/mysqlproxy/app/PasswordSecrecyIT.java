package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy, in a JVM of its own with {@code user-source = servers}, never writes a learned user's
 * password, nor its SHA1 in hex, to its log, {@code /metrics} or {@code /backends}, and keeps it in no
 * {@code String}: after logins with the password, a heap dump ({@code jcmd GC.heap_dump}, live objects)
 * holds it neither as UTF-16 (how a String holds a password with a character beyond Latin-1, as this one
 * has) nor its SHA1 as hex text, nor a String of the hex of SHA1(SHA1(password)) or of the stored
 * authentication string (the proxy's JVM runs without compact strings, so every String's text is UTF-16
 * and the search tells Strings from byte arrays). The same search finds what the proxy does keep as
 * Strings: the user's name and a configuration value with a character beyond Latin-1, so a String holding
 * the password would be found. On MariaDB the password's UTF-8 bytes are not in the heap at all
 * (mysql_native_password sends only a scramble); on MySQL the proxy holds them in a byte array by design
 * (caching_sha2_password's full authentication to the backends needs the password itself).
 */
@ExtendWith(TestBedExtension.class)
class PasswordSecrecyIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String USER = "secrecy_it_user";

    @Test
    void theProxyKeepsTheLearnedPasswordInNoStringLogOrEndpoint(ReplicatedTestBed bed, @TempDir Path dir)
            throws Exception {
        String nonce = HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("SHA-256")
                                .digest(Long.toString(System.nanoTime()).getBytes(StandardCharsets.US_ASCII)),
                        0,
                        8);
        String password = "S\u00ebcret\u20ac-" + nonce;
        String probe = "probe\u20ac-" + nonce;
        rootSql(bed, "DROP USER IF EXISTS '" + USER + "'@'%'");
        rootSql(bed, "CREATE USER '" + USER + "'@'%' IDENTIFIED BY '" + password + "'");
        rootSql(bed, "GRANT SELECT ON *.* TO '" + USER + "'@'%'");
        byte[] storedAuthentication = storedAuthentication(bed);

        int port = ProxyFixture.freePort();
        int adminPort = ProxyFixture.freePort();
        Path config = dir.resolve("proxy.conf");
        Files.writeString(
                config, TestBedProxyConfig.hocon(bed, port, adminPort, """
                        mysql-proxy {
                          user-source = servers
                          users = []
                          user-refresh-interval = 500ms
                          client.failed-login-delay-after = 1000
                          discovery.kubernetes.statefulset = "%s"
                        }
                        """.formatted(probe)), StandardCharsets.UTF_8);
        Path log = dir.resolve("proxy.log");
        Process proxy = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        // Every String's text in UTF-16: a heap search tells a String from a byte array.
                        "-XX:-CompactStrings",
                        "-Dfile.encoding=UTF-8",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "run",
                        "--config",
                        config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            Awaits.within(Duration.ofSeconds(30), "the proxy becomes ready")
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> status(adminPort, "/readyz"), is(200));
            for (int i = 0; i < 3; i++) {
                try (Connection c = connect(port, password);
                        Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1) FOR UPDATE")) {
                    rs.next();
                    assertEquals(USER, rs.getString(1));
                }
            }
            String metrics = get(adminPort, "/metrics");
            String backends = get(adminPort, "/backends");
            assertTrue(backends.contains("primary"), backends);

            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(password.getBytes(StandardCharsets.UTF_8));
            List<String> secrets = List.of(
                    password,
                    HexFormat.of().formatHex(sha1),
                    HexFormat.of().withUpperCase().formatHex(sha1));
            String logText = Files.readString(log, StandardCharsets.UTF_8);
            for (String secret : secrets) {
                assertFalse(logText.contains(secret), "the log holds a secret");
                assertFalse(metrics.contains(secret), "/metrics holds a secret");
                assertFalse(backends.contains(secret), "/backends holds a secret");
            }

            Path dump = dir.resolve("proxy.hprof");
            Process jcmd = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            Long.toString(proxy.pid()),
                            "GC.heap_dump",
                            dump.toString())
                    .redirectErrorStream(true)
                    .start();
            assertTrue(jcmd.waitFor(60, TimeUnit.SECONDS), "jcmd finished");
            String jcmdOutput = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, jcmd.exitValue(), jcmdOutput);
            byte[] heap = Files.readAllBytes(dump);

            // What the proxy keeps as Strings is found: the search would find the password as one.
            assertTrue(contains(heap, USER.getBytes(StandardCharsets.UTF_16LE)), "the user name (a String)");
            assertTrue(contains(heap, probe.getBytes(StandardCharsets.UTF_16LE)), "the probe value (UTF-16 String)");

            List<String> found = new ArrayList<>();
            for (Charset charset : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
                if (contains(heap, password.getBytes(charset))) {
                    found.add("the password as " + charset);
                }
            }
            for (String hex : secrets.subList(1, 3)) {
                for (Charset charset : List.of(StandardCharsets.ISO_8859_1, StandardCharsets.UTF_16LE)) {
                    if (contains(heap, hex.getBytes(charset))) {
                        found.add("SHA1(password) in hex as " + charset);
                    }
                }
            }
            // Strings of derived secrets: SHA1(SHA1(password)) (mysql_native_password's stored hash: with one
            // sniffed handshake it gives SHA1(password), enough to log in) and the stored authentication string,
            // each in hex (what a String-keyed cache would hold). Searched as UTF-16 only, the proxy's JVM
            // having no compact strings: byte arrays hold the stored hash by design (the account, the driver's
            // packet buffer), and MariaDB's stored hash is that hex in ASCII.
            Map<String, String> derived = new LinkedHashMap<>();
            byte[] stage2 = MessageDigest.getInstance("SHA-1").digest(sha1);
            derived.put("SHA1(SHA1(password)) in hex", HexFormat.of().formatHex(stage2));
            derived.put(
                    "the stored authentication string in hex", HexFormat.of().formatHex(storedAuthentication));
            for (Map.Entry<String, String> secret : derived.entrySet()) {
                for (String hex : List.of(secret.getValue(), secret.getValue().toUpperCase(Locale.ROOT))) {
                    if (contains(heap, hex.getBytes(StandardCharsets.UTF_16LE))) {
                        found.add("a String of " + secret.getKey());
                    }
                }
            }
            if (bed.flavour() == ServerFlavour.MARIADB && contains(heap, password.getBytes(StandardCharsets.UTF_8))) {
                found.add("the password's UTF-8 bytes, which a native login never sends");
            }
            assertEquals(List.of(), found, "in the proxy's heap");
        } finally {
            proxy.destroy();
            if (!proxy.waitFor(30, TimeUnit.SECONDS)) {
                proxy.destroyForcibly();
            }
            rootSql(bed, "DROP USER IF EXISTS '" + USER + "'@'%'");
        }
    }

    /** What the primary stores to check the user's password (mysql.user's authentication_string). */
    private static byte[] storedAuthentication(ReplicatedTestBed bed) throws SQLException {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT authentication_string FROM mysql.user WHERE user = '" + USER + "' AND host = '%'")) {
            assertTrue(rs.next(), "the user is in mysql.user");
            return rs.getBytes(1);
        }
    }

    private static Connection connect(int port, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", USER);
        properties.setProperty("password", password);
        properties.setProperty("passwordCharacterEncoding", "UTF-8");
        return DriverManager.getConnection(ProxyFixture.url(port, ReplicatedTestBed.APP_DATABASE, ""), properties);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            if (haystack[i] != needle[0]) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static int status(int adminPort, String path) {
        try {
            return HTTP.send(request(adminPort, path), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception notYet) {
            return -1;
        }
    }

    private static String get(int adminPort, String path) throws Exception {
        return HTTP.send(request(adminPort, path), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static HttpRequest request(int adminPort, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    private static void rootSql(ReplicatedTestBed bed, String sql) throws SQLException {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute(sql);
        }
    }
}

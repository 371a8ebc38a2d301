package io.mysqlproxy.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code user-source} and the refresh intervals, and what a {@code users} entry may say under each source. */
class UserSourceConfigTest {

    private static final String MONITOR = "mysql-proxy.monitor { user = monitor, password = m }\n";

    @TempDir
    Path dir;

    private ProxyConfig load(String hocon, Map<String, String> environment) throws IOException {
        Path file = dir.resolve("app.conf");
        Files.writeString(file, hocon);
        return ConfigLoader.load(Optional.of(file), environment);
    }

    private InvalidConfigException refused(String hocon, Map<String, String> environment) {
        return assertThrows(InvalidConfigException.class, () -> load(hocon, environment));
    }

    @Test
    void configIsTheDefaultWithAThirtySecondRefresh() throws IOException {
        ProxyConfig config = load("mysql-proxy.users = [ { name = app, password = s } ]\n", Map.of());
        assertEquals(
                new ProxyConfig.Accounts(UserSource.CONFIG, Duration.ofSeconds(30), Duration.ofSeconds(1)),
                config.accounts());
    }

    @Test
    void serversNeedsNoUserButTheMonitor() throws IOException {
        ProxyConfig config = load(
                MONITOR + "mysql-proxy { user-source = servers, user-refresh-interval = 5s, "
                        + "user-refresh-min-interval = 200ms }\n",
                Map.of());
        assertEquals(
                new ProxyConfig.Accounts(UserSource.SERVERS, Duration.ofSeconds(5), Duration.ofMillis(200)),
                config.accounts());
        assertTrue(config.users().isEmpty());

        InvalidConfigException noMonitor = refused("mysql-proxy.user-source = servers\n", Map.of());
        assertEquals("mysql-proxy.monitor.user", noMonitor.key());
        assertTrue(noMonitor.getMessage().contains("mysql.user"), noMonitor.getMessage());
    }

    @Test
    void theEnvironmentChoosesTheSource() throws IOException {
        ProxyConfig config = load(MONITOR, Map.of("MYSQL_PROXY_USER_SOURCE", "both"));
        assertEquals(UserSource.BOTH, config.accounts().source());
    }

    @Test
    void anUnknownSourceNamesTheChoices() {
        InvalidConfigException e = refused(MONITOR + "mysql-proxy.user-source = ldap\n", Map.of());
        assertEquals("mysql-proxy.user-source", e.key());
        assertTrue(e.getMessage().contains("config, servers or both"), e.getMessage());
        InvalidConfigException zero =
                refused(MONITOR + "mysql-proxy { user-source = servers, user-refresh-interval = 0s }\n", Map.of());
        assertEquals("mysql-proxy.user-refresh-interval", zero.key());
    }

    @Test
    void underServersAnEntryGivesOnlyProxySideSettings() throws IOException {
        ProxyConfig config = load(
                MONITOR + "mysql-proxy { user-source = servers, users = [ "
                        + "{ name = ops, admin = true, max-connections = 3, consistency = strong } ] }\n",
                Map.of());
        UserAccount ops = config.user("ops").orElseThrow();
        assertTrue(ops.admin());
        assertEquals(3, ops.maxConnections());
        assertEquals(Optional.of(Consistency.STRONG), ops.consistency());

        for (String decided : new String[] {
            "password = x", "auth-plugin = mysql_native_password", "backend-auth-plugin = caching_sha2_password"
        }) {
            InvalidConfigException e = refused(
                    MONITOR + "mysql-proxy { user-source = servers, users = [ { name = ops, " + decided + " } ] }\n",
                    Map.of());
            assertEquals("mysql-proxy.users[0]." + decided.substring(0, decided.indexOf(' ')), e.key());
            assertTrue(e.getMessage().contains("user-source = servers"), e.getMessage());
        }
        InvalidConfigException environment = refused(
                MONITOR + "mysql-proxy.user-source = servers\n",
                Map.of("MYSQL_PROXY_USER", "app", "MYSQL_PROXY_PASSWORD", "s"));
        assertEquals("MYSQL_PROXY_USER", environment.key());
    }

    @Test
    void bothKeepsConfiguredPasswords() throws IOException {
        ProxyConfig config = load(
                MONITOR + "mysql-proxy { user-source = both, users = [ { name = app, password = s } ] }\n", Map.of());
        assertEquals("s", config.user("app").orElseThrow().password());
    }
}

package io.mysqlproxy.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The admin section: its own bind address, and the bearer token from the file, the environment or a file. */
class AdminConfigTest {

    private static final String MINIMAL = "mysql-proxy.users = [ { name = app, password = secret } ]\n";
    private static final String TOKEN = "0123456789abcdef-token";

    @TempDir
    Path dir;

    private ProxyConfig load(String hocon, Map<String, String> environment) throws IOException {
        Path file = dir.resolve("app.conf");
        Files.writeString(file, MINIMAL + hocon);
        return ConfigLoader.load(Optional.of(file), environment);
    }

    @Test
    void loopbackAndNoTokenByDefault() throws IOException {
        ProxyConfig config = load("mysql-proxy.listen.host = \"0.0.0.0\"\n", Map.of());
        assertEquals(new ProxyConfig.Admin("127.0.0.1", 9090, Optional.empty()), config.admin());
    }

    @Test
    void theEnvironmentSetsHostAndToken() throws IOException {
        ProxyConfig config = load(
                "mysql-proxy.admin.host = \"127.0.0.2\"\n",
                Map.of("MYSQL_PROXY_ADMIN_HOST", "10.1.2.3", "MYSQL_PROXY_ADMIN_TOKEN", TOKEN));
        assertEquals("10.1.2.3", config.admin().host());
        assertEquals(Optional.of(TOKEN), config.admin().token());
    }

    @Test
    void theTokenComesFromAFileWithoutItsNewline() throws IOException {
        Path secret = dir.resolve("token");
        Files.writeString(secret, TOKEN + "\n");
        ProxyConfig config = load("mysql-proxy.admin.token-file = \"" + secret + "\"\n", Map.of());
        assertEquals(Optional.of(TOKEN), config.admin().token());
    }

    @Test
    void theTokenIsNeverPrinted() throws IOException {
        ProxyConfig config = load("mysql-proxy.admin.token = \"" + TOKEN + "\"\n", Map.of());
        assertFalse(config.toString().contains(TOKEN), config.toString());
    }

    @Test
    void badTokensAreRefusedWithoutQuotingThem() throws IOException {
        String weak = "short";
        InvalidConfigException tooShort = assertThrows(
                InvalidConfigException.class, () -> load("mysql-proxy.admin.token = " + weak + "\n", Map.of()));
        assertEquals("mysql-proxy.admin.token", tooShort.key());
        assertFalse(tooShort.getMessage().contains(weak), tooShort.getMessage());

        InvalidConfigException blank = assertThrows(
                InvalidConfigException.class,
                () -> load("", Map.of("MYSQL_PROXY_ADMIN_TOKEN", "with a blank inside it")));
        assertEquals("mysql-proxy.admin.token", blank.key());

        Path secret = dir.resolve("token");
        Files.writeString(secret, TOKEN);
        InvalidConfigException both = assertThrows(
                InvalidConfigException.class,
                () -> load(
                        "mysql-proxy.admin { token = \"" + TOKEN + "\", token-file = \"" + secret + "\" }\n",
                        Map.of()));
        assertEquals("mysql-proxy.admin.token", both.key());

        InvalidConfigException missing = assertThrows(
                InvalidConfigException.class,
                () -> load("mysql-proxy.admin.token-file = \"" + dir.resolve("absent") + "\"\n", Map.of()));
        assertEquals("mysql-proxy.admin.token-file", missing.key());

        InvalidConfigException noHost =
                assertThrows(InvalidConfigException.class, () -> load("mysql-proxy.admin.host = \"\"\n", Map.of()));
        assertEquals("mysql-proxy.admin.host", noHost.key());
    }
}

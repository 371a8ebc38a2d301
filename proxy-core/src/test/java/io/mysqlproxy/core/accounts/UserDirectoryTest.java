package io.mysqlproxy.core.accounts;

import io.mysqlproxy.core.auth.DecoyAccounts;
import io.mysqlproxy.core.config.ConfigLoader;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserDirectoryTest {

    private static final ServerAccount APP = new ServerAccount(
            "app", "10.%", "caching_sha2_password", "$A$005$x".getBytes(StandardCharsets.US_ASCII), false, false);
    private static final ServerAccount OPS = new ServerAccount(
            "ops", "%", "mysql_native_password", "*AB".getBytes(StandardCharsets.US_ASCII), false, false);

    @TempDir
    Path dir;

    /** The servers' accounts as a test sets them, counting the reads asked for. */
    private static final class FixedAccounts implements KnownAccounts {
        ServerAccounts current = ServerAccounts.of(List.of(APP, OPS));
        int refreshesAsked;

        @Override
        public ServerAccounts current() {
            return current;
        }

        @Override
        public void refreshSoon() {
            refreshesAsked++;
        }

        @Override
        public void close() {}
    }

    private ProxyConfig config(String source, String users) throws IOException {
        Path file = dir.resolve("app.conf");
        Files.writeString(
                file,
                "mysql-proxy { monitor { user = m, password = m }, user-source = " + source + ", users = [" + users
                        + "] }\n");
        return ConfigLoader.load(Optional.of(file), Map.of());
    }

    @Test
    void configReadsOnlyTheConfiguredUsers() throws IOException {
        ProxyConfig config = config("config", "{ name = app, password = s }");
        UserDirectory directory = new UserDirectory(() -> config, Optional.empty());
        assertEquals("s", directory.find("app", "10.0.0.1").orElseThrow().password());
        assertEquals(Optional.empty(), directory.find("ops", "10.0.0.1"));
    }

    @Test
    void serversFindsTheAccountForTheClientsHostWithTheConfiguredSettings() throws IOException {
        ProxyConfig config = config("servers", "{ name = app, admin = true, max-connections = 2 }");
        FixedAccounts accounts = new FixedAccounts();
        UserDirectory directory = new UserDirectory(() -> config, Optional.of(accounts));

        UserAccount app = directory.find("app", "10.1.2.3").orElseThrow();
        assertEquals(Optional.of(APP), app.serverAccount());
        assertEquals("", app.password());
        assertTrue(app.admin());
        assertEquals(2, app.maxConnections());
        assertEquals(Optional.of(AuthPlugin.CACHING_SHA2_PASSWORD), app.authPlugin());
        assertFalse(directory.find("ops", "10.1.2.3").orElseThrow().admin());
        assertEquals(0, accounts.refreshesAsked);

        // No account for that host, or no such name: refused now, and a read is asked for.
        assertEquals(Optional.empty(), directory.find("app", "192.0.2.1"));
        assertEquals(Optional.empty(), directory.find("new", "10.1.2.3"));
        assertEquals(2, accounts.refreshesAsked);

        accounts.current = ServerAccounts.of(
                List.of(APP, OPS, new ServerAccount("new", "%", "mysql_native_password", new byte[0], false, false)));
        assertTrue(directory.find("new", "10.1.2.3").isPresent(), "found after the read");
    }

    @Test
    void bothPrefersTheConfiguredEntry() throws IOException {
        ProxyConfig config = config("both", "{ name = app, password = s }");
        UserDirectory directory = new UserDirectory(() -> config, Optional.of(new FixedAccounts()));
        UserAccount app = directory.find("app", "10.1.2.3").orElseThrow();
        assertEquals("s", app.password());
        assertEquals(Optional.empty(), app.serverAccount());
        assertEquals(
                Optional.of(OPS),
                directory.find("ops", "10.1.2.3").orElseThrow().serverAccount());
    }

    @Test
    void decoyPluginsAreThoseOfEveryUserAClientMayBe() throws IOException {
        AuthPlugin primary = AuthPlugin.MYSQL_NATIVE_PASSWORD;
        UserDirectory servers =
                new UserDirectory(() -> uncheckedConfig("servers", ""), Optional.of(new FixedAccounts()));
        assertEquals(
                List.of(AuthPlugin.MYSQL_NATIVE_PASSWORD, AuthPlugin.CACHING_SHA2_PASSWORD), servers.plugins(primary));
        FixedAccounts none = new FixedAccounts();
        none.current = ServerAccounts.none();
        assertEquals(
                List.of(primary),
                new UserDirectory(() -> uncheckedConfig("servers", ""), Optional.of(none)).plugins(primary));
    }

    @Test
    void unknownNamesGetLearnedDecoysWhereverUsersAreLearnedMadeOncePerRounds() {
        assertSame(
                DecoyAccounts.configured(),
                new UserDirectory(() -> uncheckedConfig("config", "{ name = app, password = s }"), Optional.empty())
                        .decoys());
        for (String source : List.of("servers", "both")) {
            UserDirectory directory =
                    new UserDirectory(() -> uncheckedConfig(source, ""), Optional.of(new FixedAccounts()));
            DecoyAccounts decoys = directory.decoys();
            assertNotSame(DecoyAccounts.configured(), decoys, source);
            assertSame(decoys, directory.decoys(), source);
        }
    }

    private ProxyConfig uncheckedConfig(String source, String users) {
        try {
            return config(source, users);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

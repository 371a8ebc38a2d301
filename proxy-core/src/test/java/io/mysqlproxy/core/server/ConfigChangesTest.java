package io.mysqlproxy.core.server;

import io.mysqlproxy.core.config.ConfigLoader;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ProxyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConfigChangesTest {

    @TempDir
    Path dir;

    private ProxyConfig load(String hocon) throws IOException {
        Path file = Files.writeString(dir.resolve("c" + System.nanoTime() + ".conf"), """
                mysql-proxy.users = [ { name = app, password = one } ]
                mysql-proxy.backends.replicas = ["db-1:3306"]
                """ + hocon);
        return ConfigLoader.load(Optional.of(file), Map.of());
    }

    @Test
    void reloadableSettingsTakeEffectAndOthersKeepTheirRunningValue() throws IOException {
        ProxyConfig current = load("");
        ProxyConfig next = load("""
                mysql-proxy.users = [ { name = app, password = two }, { name = ops, password = x, admin = true } ]
                mysql-proxy.backends.replicas = ["db-2:3306", "db-3:3306"]
                mysql-proxy.backends.weights { "db-3:3306" = 4 }
                mysql-proxy.routing.consistency = strong
                mysql-proxy.health.max-replication-lag = 3s
                mysql-proxy.shutdown.drain-timeout = 5s
                mysql-proxy.listen.port = 7000
                mysql-proxy.backends.primary = "other:3306"
                mysql-proxy.routing.balancer = round-robin
                mysql-proxy.health.interval = 5s
                mysql-proxy.backends.allow-public-key-retrieval = true
                """);
        ProxyConfig applied = ConfigChanges.reloadable(current, next);
        assertEquals("two", applied.user("app").orElseThrow().password());
        assertEquals(true, applied.user("ops").orElseThrow().admin());
        assertEquals(
                List.of(HostPort.parse("db-2:3306"), HostPort.parse("db-3:3306")),
                applied.backends().replicas());
        assertEquals(4, applied.backends().weights().get(HostPort.parse("db-3:3306")));
        assertEquals(next.routing().consistency(), applied.routing().consistency());
        assertEquals(Duration.ofSeconds(3), applied.health().maxReplicationLag());
        assertEquals(Duration.ofSeconds(5), applied.drainTimeout());

        assertEquals(current.listenPort(), applied.listenPort());
        assertEquals(current.backends().primary(), applied.backends().primary());
        assertEquals(current.routing().balancer(), applied.routing().balancer());
        assertEquals(current.health().interval(), applied.health().interval());
        assertEquals(
                List.of(
                        "listen",
                        "backends.primary",
                        "backends.allow-public-key-retrieval",
                        "routing.balancer",
                        "health (other than max-replication-lag)"),
                ConfigChanges.needingRestart(current, next));
        assertEquals(List.of(), ConfigChanges.needingRestart(current, applied), "what was applied needs nothing more");
    }

    @Test
    void whereUsersComeFromTakesEffectAtARestart() throws IOException {
        ProxyConfig current = load("");
        ProxyConfig next = load("""
                mysql-proxy.monitor { user = monitor, password = m }
                mysql-proxy { user-source = both, user-refresh-interval = 5s }
                """);
        ProxyConfig applied = ConfigChanges.reloadable(current, next);
        assertEquals(current.accounts(), applied.accounts());
        assertEquals(
                List.of("monitor", "user-source, user-refresh-interval, user-refresh-min-interval"),
                ConfigChanges.needingRestart(current, next));
    }
}

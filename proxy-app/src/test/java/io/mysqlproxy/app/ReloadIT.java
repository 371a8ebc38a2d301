package io.mysqlproxy.app;

import io.mysqlproxy.core.config.ConfigLoader;
import io.mysqlproxy.core.server.ProxyServer;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Configuration reloads under load, through the file watch that {@code bin/mysql-proxy run} uses:
 * a replica added, then one removed, a broken file rejected, and a user's password rotated, while
 * four sessions of that user read and write without a single failed statement.
 */
@ExtendWith(TestBedExtension.class)
class ReloadIT {

    private static final String USER = "rotating";
    private static final Duration WITHIN = Duration.ofSeconds(5);

    @Test
    void replicasAndPasswordsChangeUnderLoadAndABrokenFileIsRejected(ReplicatedTestBed bed, @TempDir Path dir)
            throws Exception {
        TestBedServer one = bed.replicas().get(0);
        TestBedServer two = bed.replicas().get(1);
        try (Connection root = bed.primary().connectAsRoot();
                Statement r = root.createStatement()) {
            r.execute("DROP USER IF EXISTS '" + USER + "'@'%'");
            r.execute("CREATE USER '" + USER + "'@'%' IDENTIFIED BY 'first'");
            r.execute("GRANT SELECT, INSERT, CREATE, DROP ON app.* TO '" + USER + "'@'%'");
            r.execute("CREATE TABLE IF NOT EXISTS app.reload_it (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
        }
        bed.awaitReplication();
        int port = ProxyFixture.freePort();
        int adminPort = ProxyFixture.freePort();
        Path file = dir.resolve("proxy.conf");
        write(file, bed, port, adminPort, List.of(one), "first");
        ProxyServer server = ProxyServer.start(ConfigLoader.load(Optional.of(file), Map.of()));
        AtomicBoolean running = new AtomicBoolean(true);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Map<Integer, AtomicLong> readsBy = new ConcurrentHashMap<>();
        List<AtomicLong> statementsBy = new CopyOnWriteArrayList<>();
        List<Thread> clients = new ArrayList<>();
        try (ConfigReloads reloads = ConfigReloads.start(server, Optional.of(file), Duration.ofMillis(200))) {
            for (int i = 0; i < 4; i++) {
                Connection c = login(port, "first");
                AtomicLong statements = new AtomicLong();
                statementsBy.add(statements);
                Thread client = new Thread(() -> load(c, running, failures, readsBy, statements), "reload-client-" + i);
                clients.add(client);
                client.start();
            }
            assertEquals(
                    Set.of(one.serverId()),
                    readsDuring(readsBy, statementsBy, failures, 500),
                    "the configured replica");

            write(file, bed, port, adminPort, List.of(one, two), "first");
            Awaits.within(WITHIN, "the added replica joins")
                    .until(() -> server.runtime().topology().replicas().size() == 2);
            assertEquals(Set.of(one.serverId(), two.serverId()), readsDuring(readsBy, statementsBy, failures, 1000));

            write(file, bed, port, adminPort, List.of(two), "first");
            Awaits.within(WITHIN, "the removed replica leaves")
                    .until(() -> replicaPorts(server), is(Set.of(two.port())));
            assertEquals(Set.of(two.serverId()), readsDuring(readsBy, statementsBy, failures, 1000));

            replace(file, "mysql-proxy { listen { port = ");
            Awaits.within(WITHIN, "the broken file is rejected")
                    .until(() -> server.runtime()
                            .metrics()
                            .scrape()
                            .contains("mysqlproxy_config_reloads_total{result=\"rejected\"} 1.0"));
            assertEquals(Set.of(two.port()), replicaPorts(server), "the running configuration stays");
            login(port, "first").close();

            try (Connection root = bed.primary().connectAsRoot();
                    Statement r = root.createStatement()) {
                r.execute("ALTER USER '" + USER + "'@'%' IDENTIFIED BY 'second'");
            }
            write(file, bed, port, adminPort, List.of(two), "second");
            Awaits.within(WITHIN, "the new password logs in").until(() -> {
                try {
                    login(port, "second").close();
                    return true;
                } catch (SQLException notYet) {
                    return false;
                }
            });
            SQLException denied = assertThrows(SQLException.class, () -> login(port, "first"));
            assertEquals(1045, denied.getErrorCode(), denied.getMessage());
            assertTrue(
                    readsDuring(readsBy, statementsBy, failures, 500).contains(two.serverId()),
                    "sessions logged in before go on");
        } finally {
            running.set(false);
            for (Thread client : clients) {
                client.join(10_000);
            }
            server.close();
            try (Connection root = bed.primary().connectAsRoot();
                    Statement r = root.createStatement()) {
                r.execute("DROP USER IF EXISTS '" + USER + "'@'%'");
                r.execute("DROP TABLE IF EXISTS app.reload_it");
            }
        }
        assertEquals(List.of(), failures, "no client statement failed");
        assertTrue(
                server.runtime().metrics().scrape().contains("mysqlproxy_config_reloads_total{result=\"applied\"} 3.0"),
                "three reloads applied");
        bed.awaitReplication();
    }

    private static void write(
            Path file, ReplicatedTestBed bed, int port, int adminPort, List<TestBedServer> replicas, String password)
            throws Exception {
        String listed =
                replicas.stream().map(r -> "\"127.0.0.1:" + r.port() + "\"").collect(Collectors.joining(", "));
        replace(file, TestBedProxyConfig.hocon(bed, port, adminPort, """
                mysql-proxy.users = [ { name = app, password = app-secret, auth-plugin = mysql_native_password },
                                      { name = %s, password = %s, auth-plugin = mysql_native_password } ]
                mysql-proxy.backends.replicas = [%s]
                mysql-proxy.reload.watch-interval = 200ms
                """.formatted(USER, password, listed)));
    }

    /** Replaces the file whole, as Kubernetes swaps a ConfigMap's files: the watch never reads half a file. */
    private static void replace(Path file, String content) throws Exception {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, content);
        Files.move(
                next,
                file,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static Connection login(int port, String password) throws SQLException {
        return DriverManager.getConnection(ProxyFixture.url(port, ReplicatedTestBed.APP_DATABASE, ""), USER, password);
    }

    /**
     * One session's loop: reads of @@server_id, and a write every tenth statement, each counted in
     * {@code statements} once it is over; every failure is kept.
     */
    private static void load(
            Connection c,
            AtomicBoolean running,
            List<Throwable> failures,
            Map<Integer, AtomicLong> readsBy,
            AtomicLong statements) {
        try (c;
                Statement s = c.createStatement()) {
            for (long i = 0; running.get(); i++) {
                if (i % 10 == 9) {
                    s.execute("INSERT INTO reload_it (v) VALUES (" + i + ")");
                } else {
                    try (ResultSet rs = s.executeQuery("SELECT @@server_id")) {
                        rs.next();
                        readsBy.computeIfAbsent(rs.getInt(1), k -> new AtomicLong())
                                .incrementAndGet();
                    }
                }
                statements.incrementAndGet();
            }
        } catch (Throwable e) {
            failures.add(e);
        }
    }

    /**
     * The servers that served reads during the next {@code millis}, counted from when the reads in
     * flight now are over (every session has finished one more statement): a read routed just before
     * a topology change may still be waiting for its replica to catch up with the session's last
     * INSERT (up to consistency-wait-timeout, 100 ms).
     */
    private static Set<Integer> readsDuring(
            Map<Integer, AtomicLong> readsBy, List<AtomicLong> statementsBy, List<Throwable> failures, long millis)
            throws InterruptedException {
        List<Long> now = statementsBy.stream().map(AtomicLong::get).toList();
        Awaits.within(WITHIN, "the statements in flight are over")
                .failFast("a client failed", () -> !failures.isEmpty())
                .until(() -> IntStream.range(0, now.size())
                        .allMatch(i -> statementsBy.get(i).get() > now.get(i)));
        Map<Integer, Long> before = snapshot(readsBy);
        Awaits.pace(Duration.ofMillis(millis), "the window in which reads are counted");
        Map<Integer, Long> after = snapshot(readsBy);
        Set<Integer> servers = new TreeSet<>();
        after.forEach((server, count) -> {
            if (count > before.getOrDefault(server, 0L)) {
                servers.add(server);
            }
        });
        return servers;
    }

    private static Map<Integer, Long> snapshot(Map<Integer, AtomicLong> readsBy) {
        return readsBy.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
    }

    private static Set<Integer> replicaPorts(ProxyServer server) {
        return server.runtime().topology().replicas().stream()
                .map(b -> b.address().port())
                .collect(Collectors.toSet());
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.testbed.LoopbackPorts;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The health monitor on the replicated test bed, with a 200 ms interval: a killed replica is taken
 * out within three intervals while reads keep succeeding on the other one, and comes back after its
 * restart; a replica whose SQL thread stops is taken out and readmitted once it runs again; a
 * replica that accepts TCP but never answers is taken out without stalling anything.
 */
@ExtendWith(TestBedExtension.class)
class HealthMonitorIT {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final String HEALTH = ProxyFixture.NATIVE_PASSWORD_APP + """

            mysql-proxy.health { interval = 200ms, timeout = 500ms, eject-after = 2, readmit-after = 3 }
            """;

    @Test
    void aKilledReplicaIsEjectedWithoutFailedReadsAndReadmittedAfterItsRestart(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, HEALTH);
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            TestBedServer victim = bed.replicas().get(0);
            Backend backend = proxy.replica(victim);
            Awaits.state(proxy, backend, BackendState.UP, Duration.ofSeconds(5));
            readsBy(s, 50);

            long killed = System.nanoTime();
            victim.kill();
            // Reads go on while the monitor notices: none may fail.
            Map<Integer, Integer> during = new TreeMap<>();
            while (proxy.state(backend) == BackendState.UP) {
                during.putAll(readsBy(s, 5));
                if (System.nanoTime() - killed > Duration.ofSeconds(5).toNanos()) {
                    fail("the killed replica was never ejected");
                }
            }
            Duration ejection = Duration.ofNanos(System.nanoTime() - killed);
            assertEquals(BackendState.DOWN, proxy.state(backend));
            assertTrue(
                    ejection.compareTo(INTERVAL.multipliedBy(3).plusMillis(500)) <= 0,
                    "ejected after " + ejection.toMillis() + " ms");
            Map<Integer, Integer> after = readsBy(s, 100);
            assertEquals(Map.of(bed.replicas().get(1).serverId(), 100), after, "reads after the ejection: " + after);

            victim.start();
            Awaits.state(proxy, backend, BackendState.UP, Duration.ofSeconds(10));
            Map<Integer, Integer> readmitted = readsBy(s, 100);
            assertTrue(
                    readmitted.getOrDefault(victim.serverId(), 0) > 0,
                    "the restarted replica serves again: " + readmitted);
        }
    }

    @Test
    void aReplicaWithItsSqlThreadStoppedIsEjectedAndReadmittedOnceItRunsAgain(ReplicatedTestBed bed) throws Exception {
        TestBedServer stalled = bed.replicas().get(1);
        try (ProxyFixture proxy = ProxyFixture.start(bed, HEALTH);
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            Backend backend = proxy.replica(stalled);
            Awaits.state(proxy, backend, BackendState.UP, Duration.ofSeconds(5));
            try (Connection root = stalled.connectAsRoot();
                    Statement r = root.createStatement()) {
                r.execute("STOP SLAVE SQL_THREAD");
            }
            try {
                Awaits.state(proxy, backend, BackendState.DOWN, Duration.ofSeconds(3));
                Map<Integer, Integer> reads = readsBy(s, 50);
                assertEquals(0, reads.getOrDefault(stalled.serverId(), 0), "the stalled replica served " + reads);
            } finally {
                try (Connection root = stalled.connectAsRoot();
                        Statement r = root.createStatement()) {
                    r.execute("START SLAVE SQL_THREAD");
                }
            }
            Awaits.state(proxy, backend, BackendState.UP, Duration.ofSeconds(10));
        }
        bed.awaitReplication();
    }

    @Test
    void aReplicaThatNeverAnswersIsEjectedWithoutStallingTheProxy(ReplicatedTestBed bed) throws Exception {
        int port = LoopbackPorts.free();
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(
                    () -> {
                        try {
                            while (true) {
                                accepted.add(silent.accept());
                            }
                        } catch (Exception closed) {
                            // The test is over.
                        }
                    },
                    "silent-replica");
            acceptor.setDaemon(true);
            acceptor.start();
            String replicas = "mysql-proxy.backends.replicas = [\"127.0.0.1:"
                    + bed.replicas().get(0).port() + "\", \"127.0.0.1:" + port + "\"]\n";
            try (ProxyFixture proxy = ProxyFixture.start(bed, HEALTH + replicas);
                    Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                Backend backend = proxy.server().runtime().topology().replicas().get(1);
                Awaits.state(proxy, backend, BackendState.DOWN, Duration.ofSeconds(5));
                long started = System.nanoTime();
                Map<Integer, Integer> reads = readsBy(s, 100);
                assertEquals(Map.of(bed.replicas().get(0).serverId(), 100), reads);
                assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "reads were stalled");
            }
        } finally {
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    @Test
    void aReadWhoseReplicaDiesMidQueryIsAnsweredByAnotherServer(ReplicatedTestBed bed) throws Exception {
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (ProxyFixture proxy = ProxyFixture.start(bed, HEALTH);
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            java.util.concurrent.Future<Integer> read = executor.submit(() -> {
                try (ResultSet rs = s.executeQuery("SELECT @@server_id, SLEEP(2)")) {
                    assertTrue(rs.next());
                    return rs.getInt(1);
                }
            });
            AtomicReference<TestBedServer> started = new AtomicReference<>();
            Awaits.within(Duration.ofSeconds(5), "the read starts on a replica").until(() -> {
                for (TestBedServer replica : bed.replicas()) {
                    try (Connection root = replica.connectAsRoot();
                            Statement r = root.createStatement();
                            ResultSet rs = r.executeQuery("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                                    + "WHERE INFO = 'SELECT @@server_id, SLEEP(2)'")) {
                        rs.next();
                        if (rs.getInt(1) > 0) {
                            started.set(replica);
                        }
                    }
                }
                return started.get() != null;
            });
            TestBedServer running = started.get();
            running.kill();
            int answeredBy = read.get(15, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(answeredBy != running.serverId(), "answered by " + answeredBy);
            assertEquals(1, readsBy(s, 1).size(), "the session goes on");
        } finally {
            executor.shutdownNow();
        }
    }

    /** {@code n} reads of @@server_id, counted by server; any failure fails the test. */
    private static Map<Integer, Integer> readsBy(Statement s, int n) throws SQLException {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            try (ResultSet rs = s.executeQuery("SELECT @@server_id")) {
                assertTrue(rs.next());
                counts.merge(rs.getInt(1), 1, Integer::sum);
            }
        }
        return counts;
    }
}

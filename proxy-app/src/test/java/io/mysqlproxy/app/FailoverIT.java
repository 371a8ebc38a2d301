package io.mysqlproxy.app;

import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Backend failures under a sysbench read load through the proxy (oltp_point_select, 4 threads,
 * server-side prepared statements), with a 200 ms health-check interval. sysbench stops at its
 * first error, so a run that exits 0 is a run in which no read failed.
 */
@ExtendWith(TestBedExtension.class)
class FailoverIT {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final String CONFIG = ProxyFixture.NATIVE_PASSWORD_APP + """

            mysql-proxy.health { interval = 200ms, timeout = 500ms, eject-after = 2, readmit-after = 3,
                                 max-replication-lag = 1s }
            mysql-proxy.backends.connect-timeout = 2s
            """;
    private static final Sysbench POINT_SELECT =
            new Sysbench("oltp_point_select", "--tables=1", "--table-size=1000", "--db-ps-mode=auto");

    @BeforeEach
    void sysbenchTable(ReplicatedTestBed bed) throws Exception {
        assumeTrue(Sysbench.installed(), "sysbench is not installed (scripts/debian-packages.sh installs it)");
        POINT_SELECT.run(bed.primary().port(), "cleanup");
        POINT_SELECT.run(bed.primary().port(), "prepare");
        bed.awaitReplication();
    }

    /** Starts the load and waits until its reads flow through the proxy. */
    private static Sysbench.Running readLoad(ProxyFixture proxy, int seconds) throws Exception {
        long before = statements(proxy);
        Sysbench.Running load =
                POINT_SELECT.start(proxy.port(), "run", "--threads=4", "--time=" + seconds, "--report-interval=0");
        Awaits.within(Duration.ofSeconds(10), "sysbench's reads flow through the proxy")
                .until(() -> !load.alive() || statements(proxy) - before >= 200);
        assertTrue(load.alive(), "sysbench stopped early");
        return load;
    }

    private static long statements(ProxyFixture proxy) {
        return proxy.server().runtime().topology().all().stream()
                .mapToLong(proxy::statements)
                .sum();
    }

    /** Waits for the end of the load: it must have run reads and failed none. */
    private static void noFailedReads(Sysbench.Running load) throws Exception {
        String output = load.await(90);
        assertTrue(Sysbench.number(output, "read:\\s+(\\d+)") > 1000, output);
        assertEquals(0, Sysbench.number(output, "ignored errors:\\s+(\\d+)"), output);
    }

    @Test
    void aKilledReplicaIsEjectedWithinThreeIntervalsAndReadmittedWithoutAFailedRead(ReplicatedTestBed bed)
            throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, CONFIG)) {
            TestBedServer victim = bed.replicas().get(0);
            Backend backend = proxy.replica(victim);
            Awaits.state(proxy, backend, BackendState.UP, Duration.ofSeconds(5));
            Sysbench.Running load = readLoad(proxy, 16);
            assertServes(proxy, backend, true);

            long killed = System.nanoTime();
            victim.kill();
            Awaits.state(proxy, backend, BackendState.DOWN, Duration.ofSeconds(5));
            Duration ejection = Duration.ofNanos(System.nanoTime() - killed);
            // Three intervals, plus the check timeout of a check that was already under way.
            assertTrue(
                    ejection.compareTo(INTERVAL.multipliedBy(3).plusMillis(500)) <= 0,
                    "ejected after " + ejection.toMillis() + " ms");
            assertServes(proxy, backend, false);

            victim.start();
            Awaits.state(proxy, backend, BackendState.UP, Duration.ofSeconds(10));
            assertServes(proxy, backend, true);
            noFailedReads(load);
        }
    }

    @Test
    void aLaggingReplicaIsEjectedOnceOverTheLimitAndReadmittedWhenCaughtUp(ReplicatedTestBed bed) throws Exception {
        TestBedServer behind = bed.replicas().get(1);
        try (ProxyFixture proxy = ProxyFixture.start(bed, CONFIG);
                Connection writer = proxy.connect("");
                Statement w = writer.createStatement();
                Connection replicaRoot = behind.connectAsRoot();
                Statement lock = replicaRoot.createStatement()) {
            w.execute(
                    "CREATE TABLE IF NOT EXISTS failover_writes (id INT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6))");
            bed.awaitReplication();
            Backend backend = proxy.replica(behind);
            Awaits.state(proxy, backend, BackendState.UP, Duration.ofSeconds(5));
            Sysbench.Running load = readLoad(proxy, 16);

            // The replica's SQL thread keeps running but cannot commit: its lag grows with every write.
            lock.execute("FLUSH TABLES WITH READ LOCK");
            long locked = System.nanoTime();
            try {
                // A write each poll: the lag grows until the replica is ejected.
                Awaits.within(Duration.ofSeconds(10), "the lagging replica is ejected")
                        .untilAsserted(() -> {
                            w.execute("INSERT INTO failover_writes (at) VALUES (NOW(6))");
                            assertNotEquals(
                                    BackendState.UP, proxy.state(backend), "lag " + proxy.lagSeconds(backend) + " s");
                        });
                assertEquals(BackendState.LAGGING, proxy.state(backend));
                assertTrue(proxy.lagSeconds(backend) > 1, "lag " + proxy.lagSeconds(backend) + " s");
                assertTrue(
                        System.nanoTime() - locked > Duration.ofSeconds(1).toNanos(),
                        "ejected before its lag " + "could pass the limit");
                assertServes(proxy, backend, false);
            } finally {
                lock.execute("UNLOCK TABLES");
            }
            Awaits.state(proxy, backend, BackendState.UP, Duration.ofSeconds(10));
            assertServes(proxy, backend, true);
            noFailedReads(load);
            w.execute("DROP TABLE failover_writes");
        }
    }

    @Test
    void withThePrimaryKilledAndNoOutageBufferWritesFailAtOnceWithAClearErrorWhileReadsGoOn(ReplicatedTestBed bed)
            throws Exception {
        // Without the buffer (PrimaryRestartIT has it on), a write finds no primary and fails at once.
        try (ProxyFixture proxy = ProxyFixture.start(bed, CONFIG + "mysql-proxy.backends.primary-outage-buffer = 0\n");
                Connection writer = proxy.connect("");
                Statement w = writer.createStatement()) {
            w.execute(
                    "CREATE TABLE IF NOT EXISTS failover_writes (id INT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6))");
            Backend primary = proxy.server().runtime().topology().primary();
            Sysbench.Running load = readLoad(proxy, 12);

            bed.primary().kill();
            // A write racing the kill may still reach the dying connection (error 1158 and the session
            // ends, as on a direct connection); one sent once the proxy has seen the close finds no
            // primary to connect to: error 1429 at once, and the session goes on.
            Awaits.within(Duration.ofSeconds(5), "the proxy sees its connections to the killed primary close")
                    .until(() -> proxy.server().runtime().pool(primary).openConnections(), is(0));
            long started = System.nanoTime();
            SQLException refused = assertThrows(
                    SQLException.class, () -> w.execute("INSERT INTO failover_writes (at) VALUES (NOW(6))"));
            Duration answered = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(
                    answered.compareTo(Duration.ofSeconds(2)) <= 0, "the write waited " + answered.toMillis() + " ms");
            assertEquals(1429, refused.getErrorCode(), refused.getMessage());
            assertTrue(
                    refused.getMessage()
                            .startsWith(
                                    "Can't connect to MySQL server on '" + primary.name() + "' through mysql-proxy"),
                    refused.getMessage());
            Awaits.state(proxy, primary, BackendState.DOWN, Duration.ofSeconds(5));
            noFailedReads(load);

            bed.primary().start();
            Awaits.state(proxy, primary, BackendState.UP, Duration.ofSeconds(10));
            w.execute("INSERT INTO failover_writes (at) VALUES (NOW(6))");
            w.execute("DROP TABLE failover_writes");
        }
    }

    @Test
    void withEveryReplicaDownReadsAreServedByThePrimary(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, CONFIG)) {
            Backend primary = proxy.server().runtime().topology().primary();
            for (TestBedServer replica : bed.replicas()) {
                Awaits.state(proxy, proxy.replica(replica), BackendState.UP, Duration.ofSeconds(5));
            }
            Sysbench.Running load = readLoad(proxy, 12);
            long before = proxy.statements(primary);
            for (TestBedServer replica : bed.replicas()) {
                replica.kill();
            }
            for (TestBedServer replica : bed.replicas()) {
                Awaits.state(proxy, proxy.replica(replica), BackendState.DOWN, Duration.ofSeconds(5));
            }
            assertServes(proxy, primary, true);
            noFailedReads(load);
            assertTrue(
                    proxy.statements(primary) - before > 1000,
                    "reads on the primary: " + (proxy.statements(primary) - before));
        }
        bed.heal();
    }

    /**
     * Whether {@code backend} takes part of the load: its statement count grows (within 5 s), or it
     * stays put over half a second.
     */
    private static void assertServes(ProxyFixture proxy, Backend backend, boolean serves) throws InterruptedException {
        long before = proxy.statements(backend);
        String state = proxy.state(backend).label();
        if (serves) {
            Awaits.within(Duration.ofSeconds(5), backend + " (" + state + ") takes statements")
                    .until(() -> proxy.statements(backend) > before);
        } else {
            Awaits.pace(Duration.ofMillis(500), "a window in which the backend must get no statement");
            long routed = proxy.statements(backend) - before;
            assertEquals(0, routed, backend + " (" + state + ") got " + routed + " statements in 500 ms");
        }
    }
}

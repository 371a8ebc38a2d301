package io.mysqlproxy.app;

import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A restart of the primary (SIGTERM, as Kubernetes stops a pod, then a start on the same port with the same
 * data) through the proxy, with the default outage buffer: reads never fail, logins go on, writes and new
 * transactions wait for the primary and run when it is back; only transactions open at the stop are lost,
 * each with error 1158. The bed is shared: every test starts what it stopped.
 */
@ExtendWith(TestBedExtension.class)
class PrimaryRestartIT {

    /** ER_LOCK_DEADLOCK: InnoDB rolled one of two transactions back; the client retries it. */
    private static final int DEADLOCK = 1213;

    private static final String CONFIG = ProxyFixture.NATIVE_PASSWORD_APP + """

            mysql-proxy.health { interval = 500ms, timeout = 1s }
            """;
    /** Error codes a sysbench client may see when the proxy ends a session whose transaction was lost. */
    /**
     * MySQL 9.7 answers statements on connections it has not closed yet with "Server shutdown in progress" for
     * up to 10 s after SIGTERM; the proxy relays it (the statement did not run), then the connection closes.
     */
    private static final int ER_SERVER_SHUTDOWN = 1053;

    private static final List<Integer> LOST_SESSION_CODES = List.of(1158, 2013, 2006, 2055, ER_SERVER_SHUTDOWN);

    private final ReplicatedTestBed bed;

    PrimaryRestartIT(ReplicatedTestBed bed) {
        this.bed = bed;
    }

    @AfterEach
    void heal() {
        bed.heal();
    }

    @Test
    void sysbenchReadsNeverFailAndOnlyTransactionsOpenAtTheStopAreLost() throws Exception {
        assumeTrue(Sysbench.installed(), "sysbench is not installed (scripts/debian-packages.sh installs it)");
        // MySQL 9.7 takes about 9 s to shut down under this load, so its restart outlasts the 10 s default: the
        // buffer deploy/ ships for MySQL (25 s) covers it. MariaDB runs with the default.
        String config = bed.flavour() == ServerFlavour.MYSQL
                ? CONFIG + "mysql-proxy.backends.primary-outage-buffer = 25s\n"
                : CONFIG;
        try (ProxyFixture proxy = ProxyFixture.start(bed, config);
                ReadinessPoller readiness = new ReadinessPoller(proxy.server().adminPort())) {
            Sysbench readWrite = new Sysbench(
                    "oltp_read_write",
                    "--tables=4",
                    "--table-size=10000",
                    // Lost sessions, each counted by the proxy, and InnoDB's deadlock answer, which sysbench
                    // ignores by default (a server's verdict on two transactions, not a failure of the path):
                    // any other error stops sysbench.
                    "--mysql-ignore-errors=1158,1053,2013,2006,2055,1213",
                    "--verbosity=5");
            Sysbench readOnly = new Sysbench("oltp_read_only", "--tables=4", "--table-size=10000", "--skip_trx=on");
            readWrite.run(proxy.port(), "cleanup");
            readWrite.run(proxy.port(), "prepare");
            bed.awaitReplication();
            long lostBefore = stat(proxy, "transactions_lost");

            Sysbench.Running writes = readWrite.startReconnecting(proxy.port(), "run", "--threads=8", "--time=40");
            Sysbench.Running reads = readOnly.start(proxy.port(), "run", "--threads=8", "--time=40");
            TimeUnit.SECONDS.sleep(10);
            bed.primary().stop();
            TimeUnit.SECONDS.sleep(5);
            bed.primary().start();
            // The same run also loses a replica for a while: reads retry elsewhere, none fails.
            TimeUnit.SECONDS.sleep(8);
            TestBedServer replica = bed.replicas().get(0);
            replica.stop();
            TimeUnit.SECONDS.sleep(5);
            replica.start();

            String readOutput = reads.await(120);
            String writeOutput = writes.await(120);
            long lost = stat(proxy, "transactions_lost") - lostBefore;
            Map<Integer, Integer> ignored = ignoredErrors(writeOutput);
            String report = "ignored errors by code " + ignored + ", transactions lost " + lost + ", waits "
                    + stats(proxy, "primary_buffer_waits") + "\n" + tail(writeOutput);

            assertTrue(Sysbench.number(readOutput, "transactions:\\s+(\\d+)") > 100, readOutput);
            assertEquals(0, Sysbench.number(readOutput, "ignored errors:\\s+(\\d+)"), "no read failed: " + readOutput);
            for (int code : ignored.keySet()) {
                assertTrue(
                        LOST_SESSION_CODES.contains(code) || code == DEADLOCK,
                        "only lost transactions may fail: " + report);
            }
            assertTrue(ignored.getOrDefault(1158, 0) <= lost, "every 1158 is a transaction the proxy lost: " + report);
            assertTrue(
                    ignored.getOrDefault(ER_SERVER_SHUTDOWN, 0) <= lost,
                    "every 1053 (MySQL) ends a transaction the proxy then lost: " + report);
            assertTrue(lost <= 8, "at most the 8 sessions' open transactions are lost: " + report);
            assertEquals(
                    lost,
                    Sysbench.number(writeOutput, "reconnects:\\s+(\\d+)"),
                    "a session reconnects only after its transaction was lost: " + report);
            assertTrue(stat(proxy, "primary_buffer_waits.resumed") > 0, "statements waited for the primary: " + report);
            assertEquals(0, stat(proxy, "primary_buffer_waits.expired"), report);
            assertEquals(0, readiness.failures(), "/readyz answered 200 throughout: " + readiness);
            assertTrue(readiness.polls() > 150, "polled every 200 ms: " + readiness);
            readWrite.run(proxy.port(), "cleanup");
        }
    }

    @Test
    void aLongerOutageThanTheBufferFailsWritesAfterTheBufferTimeWhileReadsGoOn() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, CONFIG);
                Connection writer = proxy.connect("");
                Statement w = writer.createStatement();
                Connection reader = proxy.connect("");
                Statement r = reader.createStatement()) {
            w.execute("CREATE TABLE IF NOT EXISTS outage_writes (id INT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6))");
            bed.awaitReplication();
            int primaryId = bed.primary().serverId();

            bed.primary().stop();
            long stopped = System.nanoTime();
            long started = System.nanoTime();
            SQLException expired = assertThrowsSql(() -> w.execute("INSERT INTO outage_writes (at) VALUES (NOW(6))"));
            Duration waited = Duration.ofNanos(System.nanoTime() - started);
            assertEquals(1429, expired.getErrorCode(), expired.getMessage());
            assertTrue(
                    waited.compareTo(Duration.ofSeconds(9)) >= 0 && waited.compareTo(Duration.ofSeconds(11)) <= 0,
                    "the write got its error after the 10 s buffer (± 1 s): " + waited.toMillis() + " ms");
            for (int i = 0; i < 20; i++) {
                assertNotEquals(primaryId, serverId(r), "reads go on, on the replicas");
            }

            TimeUnit.NANOSECONDS.sleep(Math.max(0, Duration.ofSeconds(15).toNanos() - (System.nanoTime() - stopped)));
            bed.primary().start();
            w.execute("INSERT INTO outage_writes (at) VALUES (NOW(6))");
            assertEquals(primaryId, serverId(w, "/* route=primary */ SELECT @@server_id"), "the session goes on");
            assertEquals(1, stat(proxy, "primary_buffer_waits.expired"));
            w.execute("DROP TABLE outage_writes");
        }
    }

    @Test
    void loginsDuringTheOutageReadFromReplicasAndTheirFirstWriteRunsWhenThePrimaryReturns() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, CONFIG)) {
            try (Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS outage_logins (id INT PRIMARY KEY)");
                s.execute("DELETE FROM outage_logins");
            }
            bed.awaitReplication();
            int primaryId = bed.primary().serverId();
            List<Connection> clients = new ArrayList<>();
            ExecutorService writers = Executors.newFixedThreadPool(50);
            try {
                bed.primary().stop();
                long stopped = System.nanoTime();
                for (int i = 0; i < 50; i++) {
                    Connection c = proxy.connect("");
                    clients.add(c);
                    try (Statement s = c.createStatement()) {
                        assertNotEquals(primaryId, serverId(s), "client " + i + " reads from a replica");
                    }
                }
                List<Future<Long>> writes = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    int id = i;
                    Connection c = clients.get(i);
                    writes.add(writers.submit(() -> {
                        long began = System.nanoTime();
                        try (Statement s = c.createStatement()) {
                            s.execute("INSERT INTO outage_logins VALUES (" + id + ")");
                            long took = System.nanoTime() - began;
                            // Session consistency: the next plain read sees the write that waited for the primary.
                            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM outage_logins WHERE id = " + id)) {
                                rs.next();
                                assertEquals(1, rs.getInt(1), "client " + id + " reads its own buffered write");
                            }
                            return took;
                        }
                    }));
                }
                Awaits.within(Duration.ofSeconds(5), "the 50 writes wait for the primary")
                        .until(() -> stat(proxy, "primary_buffered_statements") == 50);
                TimeUnit.NANOSECONDS.sleep(
                        Math.max(0, Duration.ofSeconds(5).toNanos() - (System.nanoTime() - stopped)));
                bed.primary().start();
                for (Future<Long> write : writes) {
                    long nanos = write.get(30, TimeUnit.SECONDS);
                    assertTrue(
                            nanos < Duration.ofSeconds(10).toNanos(),
                            "within the buffer: " + nanos / 1_000_000 + " ms");
                }
                try (Statement s = clients.get(0).createStatement();
                        ResultSet rs = s.executeQuery("/* route=primary */ SELECT COUNT(*) FROM outage_logins")) {
                    rs.next();
                    assertEquals(50, rs.getInt(1), "every first write landed");
                }
            } finally {
                writers.shutdownNow();
                for (Connection c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void beyondMaxWaitingWritesFailAtOnceAndTheRestRunWhenThePrimaryReturns() throws Exception {
        String config = CONFIG + "mysql-proxy.backends.primary-outage-buffer-max-waiting = 100\n";
        try (ProxyFixture proxy = ProxyFixture.start(bed, config)) {
            try (Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS outage_bounded (id INT PRIMARY KEY)");
                s.execute("DELETE FROM outage_bounded");
            }
            bed.awaitReplication();
            List<Connection> clients = new ArrayList<>();
            ExecutorService writers = Executors.newFixedThreadPool(300);
            try {
                for (int i = 0; i < 300; i++) {
                    clients.add(proxy.connect(""));
                }
                long heapBefore = usedHeapAfterGc();
                bed.primary().stop();
                AtomicInteger refusedAtOnce = new AtomicInteger();
                List<Future<Boolean>> writes = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    int id = i;
                    Connection c = clients.get(i);
                    writes.add(writers.submit(() -> {
                        long began = System.nanoTime();
                        try (Statement s = c.createStatement()) {
                            s.execute("INSERT INTO outage_bounded VALUES (" + id + ")");
                            return true;
                        } catch (SQLException e) {
                            if (e.getErrorCode() != 1429) {
                                throw e;
                            }
                            if (System.nanoTime() - began
                                    < Duration.ofSeconds(3).toNanos()) {
                                refusedAtOnce.incrementAndGet();
                            }
                            return false;
                        }
                    }));
                }
                Awaits.within(Duration.ofSeconds(10), "100 writes wait, 200 were refused")
                        .until(() -> stat(proxy, "primary_buffered_statements") == 100
                                && stat(proxy, "primary_buffer_waits.rejected") == 200);
                long heapDuring = usedHeapAfterGc();
                bed.primary().start();
                int succeeded = 0;
                for (Future<Boolean> write : writes) {
                    succeeded += write.get(30, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertEquals(200, refusedAtOnce.get(), "the writes beyond 100 got the error at once");
                assertEquals(100, succeeded, "the 100 waiting writes ran when the primary returned");
                assertTrue(
                        heapDuring - heapBefore < 64L * 1024 * 1024,
                        "300 clients waiting cost " + (heapDuring - heapBefore) / 1024 / 1024
                                + " MiB of heap (proxy and test in one JVM)");
            } finally {
                writers.shutdownNow();
                for (Connection c : clients) {
                    c.close();
                }
            }
        }
    }

    private static SQLException assertThrowsSql(SqlAction action) {
        try {
            action.run();
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("the statement succeeded");
    }

    private interface SqlAction {
        void run() throws SQLException;
    }

    private static int serverId(Statement s) throws SQLException {
        return serverId(s, "SELECT @@server_id");
    }

    private static int serverId(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static long stat(ProxyFixture proxy, String name) {
        return proxy.server().runtime().metrics().stats().stream()
                .filter(stat -> stat.name().equals(name))
                .mapToLong(ProxyMetrics.Stat::value)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no stat " + name));
    }

    private static String stats(ProxyFixture proxy, String prefix) {
        StringBuilder out = new StringBuilder();
        for (ProxyMetrics.Stat stat : proxy.server().runtime().metrics().stats()) {
            if (stat.name().startsWith(prefix)) {
                out.append(stat.name()).append('=').append(stat.value()).append(' ');
            }
        }
        return out.toString().trim();
    }

    /**
     * sysbench --verbosity=5 logs each ignored error as "Ignoring error CODE message", and folds repeats of the
     * same line into "(last message repeated N times)".
     */
    private static Map<Integer, Integer> ignoredErrors(String output) {
        Map<Integer, Integer> codes = new TreeMap<>();
        Pattern ignoring = Pattern.compile("Ignoring error (\\d+)");
        Pattern repeated = Pattern.compile("last message repeated (\\d+) times");
        Integer last = null;
        for (String line : output.split("\n")) {
            Matcher m = ignoring.matcher(line);
            Matcher r = repeated.matcher(line);
            if (m.find()) {
                last = Integer.parseInt(m.group(1));
                codes.merge(last, 1, Integer::sum);
            } else if (r.find() && last != null) {
                codes.merge(last, Integer.parseInt(r.group(1)), Integer::sum);
            } else if (!line.isBlank()) {
                last = null;
            }
        }
        return codes;
    }

    private static String tail(String output) {
        return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /** Asks /readyz every 200 ms on a thread of its own, counting answers other than 200. */
    private static final class ReadinessPoller implements AutoCloseable {
        private final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        private final URI uri;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger polls = new AtomicInteger();
        private final AtomicInteger failures = new AtomicInteger();
        private volatile String lastFailure = "";
        private final Thread thread;

        ReadinessPoller(int adminPort) {
            this.uri = URI.create("http://127.0.0.1:" + adminPort + "/readyz");
            this.thread = new Thread(this::poll, "readyz-poller");
            thread.setDaemon(true);
            thread.start();
        }

        private void poll() {
            while (running.get()) {
                try {
                    HttpResponse<String> response = http.send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(1))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200) {
                        failures.incrementAndGet();
                        lastFailure = response.statusCode() + " " + response.body();
                    }
                } catch (Exception e) {
                    failures.incrementAndGet();
                    lastFailure = e.toString();
                }
                polls.incrementAndGet();
                try {
                    TimeUnit.MILLISECONDS.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        int failures() {
            return failures.get();
        }

        int polls() {
            return polls.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.interrupt();
            thread.join(5000);
        }

        @Override
        public String toString() {
            return polls + " polls, " + failures + " failures, last: " + lastFailure;
        }
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Shutdown as Kubernetes does it: SIGTERM to a real {@code mysql-proxy run} process during a
 * sysbench oltp_read_write run. {@code /readyz} turns false before the listener closes; no
 * transaction is cut in half (sysbench's sessions end only where its next transaction would
 * begin, and a transaction in flight at the signal commits); the process exits 0. Past the drain
 * deadline, a transaction still open is cut with error 1053.
 */
@ExtendWith(TestBedExtension.class)
class DrainIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void sigtermDrainsAtTransactionBoundariesAndExitsZero(ReplicatedTestBed bed, @TempDir Path dir) throws Exception {
        assumeTrue(Sysbench.installed(), "sysbench is not installed (scripts/debian-packages.sh installs it)");
        int port = ProxyFixture.freePort();
        int adminPort = ProxyFixture.freePort();
        Path config = dir.resolve("proxy.conf");
        String hocon = TestBedProxyConfig.hocon(
                bed,
                port,
                adminPort,
                ProxyFixture.NATIVE_PASSWORD_APP
                        + "\nmysql-proxy.shutdown.drain-timeout = 20s\nmysql-proxy.reload.watch-interval = 0s\n");
        Files.writeString(config, hocon);
        Sysbench sysbench = new Sysbench(
                "oltp_read_write",
                "--tables=2",
                "--table-size=2000",
                "--db-ps-mode=auto",
                "--mysql-ignore-errors=1213");
        sysbench.run(bed.primary().port(), "cleanup");
        sysbench.run(bed.primary().port(), "prepare");
        bed.awaitReplication();

        Path log = dir.resolve("proxy.log");
        Process proxy = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "run",
                        "--config",
                        config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            awaitReady(adminPort);
            // SIGHUP reloads the file (its watch is off here, so only the signal can have done it).
            Files.writeString(config, hocon + "mysql-proxy.routing.consistency = eventual\n");
            assertEquals(
                    0,
                    new ProcessBuilder("kill", "-HUP", Long.toString(proxy.pid()))
                            .start()
                            .waitFor());
            awaitLog(log, "configuration reloaded");
            Sysbench.Running load = sysbench.start(port, "run", "--threads=4", "--time=60", "--report-interval=0");
            Awaits.within(Duration.ofSeconds(30), "sysbench's four sessions run transactions through the proxy")
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !load.alive()
                            || (metric(adminPort, "mysqlproxy_client_connections") >= 4
                                    && metric(adminPort, "mysqlproxy_backend_statements_total") >= 200));
            assertTrue(load.alive(), "sysbench is running");

            // A transaction in flight when the signal comes: it must be allowed to commit.
            try (Connection c = DriverManager.getConnection(
                            ProxyFixture.url(port, ReplicatedTestBed.APP_DATABASE, ""), "app", "app-secret");
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS drain_it (id INT PRIMARY KEY)");
                s.execute("DELETE FROM drain_it");
                s.execute("BEGIN");
                s.execute("INSERT INTO drain_it VALUES (1)");
                long signalled = System.nanoTime();
                proxy.destroy(); // SIGTERM
                awaitNotReady(adminPort);
                assertRefused(port);
                Future<?> rest = executor.submit(() -> {
                    s.execute("INSERT INTO drain_it VALUES (2)");
                    s.execute("COMMIT");
                    return null;
                });
                rest.get(10, TimeUnit.SECONDS);
                SQLException closed = assertThrows(
                        SQLException.class, () -> s.execute("SELECT 1"), "after its transaction the session is closed");
                assertTrue(
                        System.nanoTime() - signalled < Duration.ofSeconds(15).toNanos(), closed.getMessage());
            }
            assertTrue(proxy.waitFor(30, TimeUnit.SECONDS), "the proxy exits within the drain deadline");
            assertEquals(0, proxy.exitValue(), Files.readString(log));

            String output = sysbenchOutputAfterItsSessionsClosed(load);
            Matcher fatal = Pattern.compile("FATAL: .* for query '([^']*)'").matcher(output);
            int failures = 0;
            while (fatal.find()) {
                failures++;
                assertEquals(
                        "BEGIN", fatal.group(1), "a session may only end where a transaction would begin:\n" + output);
            }
            assertTrue(failures > 0, "sysbench's sessions were closed by the drain:\n" + output);

            String proxyLog = Files.readString(log);
            int notReady = proxyLog.indexOf("draining: /readyz is false");
            int listenerClosed = proxyLog.indexOf("listener closed");
            assertTrue(notReady >= 0 && listenerClosed > notReady, "readiness first, then the listener:\n" + proxyLog);
            assertTrue(proxyLog.contains("drained: every session ended at a transaction boundary"), proxyLog);
        } catch (Exception | AssertionError e) {
            throw new AssertionError("failed; the proxy's log:\n" + Files.readString(log), e);
        } finally {
            executor.shutdownNow();
            proxy.destroyForcibly();
        }
        try (Connection direct = ProxyFixture.connectDirect(bed, "");
                Statement s = direct.createStatement()) {
            assertEquals(2, ReadWriteSplitIT.serverId(s, "SELECT COUNT(*) FROM drain_it"), "the transaction committed");
            s.execute("DROP TABLE drain_it");
        }
        sysbench.run(bed.primary().port(), "cleanup");
    }

    @Test
    void aTransactionInFlightCommitsBeforeItsSessionCloses(ReplicatedTestBed bed) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP);
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS drain_inflight (id INT PRIMARY KEY)");
            s.execute("DELETE FROM drain_inflight");
            s.execute("BEGIN");
            s.execute("INSERT INTO drain_inflight VALUES (1)");
            Future<Integer> drained = executor.submit(() -> proxy.server().drain(Duration.ofSeconds(10)));
            // The listener closes just before the sessions are told to drain.
            Awaits.within(Duration.ofSeconds(5), "the drain has begun: the listener is closed")
                    .until(() -> refuses(proxy.port()));
            s.execute("INSERT INTO drain_inflight VALUES (2)");
            s.execute("COMMIT");
            assertEquals(0, drained.get(10, TimeUnit.SECONDS), "no session was cut");
            assertThrows(SQLException.class, () -> s.execute("SELECT 1"), "closed after its transaction");
        } finally {
            executor.shutdownNow();
        }
        try (Connection direct = ProxyFixture.connectDirect(bed, "");
                Statement s = direct.createStatement()) {
            assertEquals(2, ReadWriteSplitIT.serverId(s, "SELECT COUNT(*) FROM drain_inflight"));
            s.execute("DROP TABLE drain_inflight");
        }
    }

    @Test
    void aTransactionStillOpenAtTheDeadlineIsCutWithError1053(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP);
                Connection open = proxy.connect("");
                Connection idle = proxy.connect("");
                Statement s = open.createStatement()) {
            s.execute("BEGIN");
            s.execute("SELECT 1");
            assertEquals(
                    1,
                    proxy.server().drain(Duration.ofMillis(500)),
                    "the open transaction is cut, the idle " + "session closed at once");
            SQLException cut = assertThrows(SQLException.class, () -> s.execute("SELECT 1"));
            assertTrue(cut.getErrorCode() == 1053 || cut.getSQLState().startsWith("08"), cut.getMessage());
            assertThrows(SQLException.class, () -> idle.createStatement().execute("SELECT 1"));
        }
    }

    private static String sysbenchOutputAfterItsSessionsClosed(Sysbench.Running load) throws Exception {
        try {
            String output = load.await(30);
            return fail("sysbench went on after the proxy stopped:\n" + output);
        } catch (AssertionError expected) {
            // Its sessions were closed: sysbench stops with an error; the message carries the output.
            return expected.getMessage();
        }
    }

    /** Fails without the log: the test's own catch adds it. */
    private static void awaitReady(int adminPort) {
        Awaits.within(Duration.ofSeconds(30), "the proxy becomes ready")
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(adminPort), is(200));
    }

    private static void awaitLog(Path log, String line) {
        Awaits.within(Duration.ofSeconds(10), "'" + line + "' in the proxy's log")
                .pollInterval(Duration.ofMillis(50))
                .until(() -> Files.readString(log).contains(line));
    }

    private static void awaitNotReady(int adminPort) {
        Awaits.within(Duration.ofSeconds(5), "/readyz turns false")
                .pollInterval(Duration.ofMillis(10))
                .until(() -> status(adminPort), is(503));
    }

    /** /readyz turns false just before the listener closes: allow the close a moment, then require it. */
    private static void assertRefused(int port) {
        Awaits.within(Duration.ofSeconds(5), "the listener closes")
                .pollInterval(Duration.ofMillis(10))
                .until(() -> refuses(port));
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "the listener is closed");
    }

    private static boolean refuses(int port) {
        try {
            new Socket("127.0.0.1", port).close();
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static int status(int adminPort) throws InterruptedException {
        try {
            return HTTP.send(admin(adminPort, "/readyz"), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException notListening) {
            return -1;
        }
    }

    /** The sum of a metric's series in the proxy's Prometheus scrape; -1 while the admin port does not answer. */
    private static double metric(int adminPort, String name) throws InterruptedException {
        String scrape;
        try {
            scrape = HTTP.send(admin(adminPort, "/metrics"), HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException notListening) {
            return -1;
        }
        Matcher series = Pattern.compile("^" + name + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE)
                .matcher(scrape);
        double sum = 0;
        while (series.find()) {
            sum += Double.parseDouble(series.group(2));
        }
        return sum;
    }

    private static HttpRequest admin(int adminPort, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(2))
                .build();
    }
}

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
        String hocon = TestBedProxyConfig.hocon(bed, port, adminPort, ProxyFixture.NATIVE_PASSWORD_APP
                + "\nmysql-proxy.shutdown.drain-timeout = 20s\nmysql-proxy.reload.watch-interval = 0s\n");
        Files.writeString(config, hocon);
        Sysbench sysbench = new Sysbench("oltp_read_write", "--tables=2", "--table-size=2000", "--db-ps-mode=auto",
                "--mysql-ignore-errors=1213");
        sysbench.run(bed.primary().port(), "cleanup");
        sysbench.run(bed.primary().port(), "prepare");
        bed.awaitReplication();

        Path log = dir.resolve("proxy.log");
        Process proxy = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            awaitReady(adminPort, log);
            // SIGHUP reloads the file (its watch is off here, so only the signal can have done it).
            Files.writeString(config, hocon + "mysql-proxy.routing.consistency = eventual\n");
            assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(proxy.pid())).start().waitFor());
            awaitLog(log, "configuration reloaded");
            Sysbench.Running load = sysbench.start(port, "run", "--threads=4", "--time=60", "--report-interval=0");
            Thread.sleep(3000);
            assertTrue(load.alive(), "sysbench is running");

            // A transaction in flight when the signal comes: it must be allowed to commit.
            try (Connection c = DriverManager.getConnection(ProxyFixture.url(port, ReplicatedTestBed.APP_DATABASE, ""),
                    "app", "app-secret"); Statement s = c.createStatement()) {
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
                Thread.sleep(1000);
                rest.get(10, TimeUnit.SECONDS);
                SQLException closed = assertThrows(SQLException.class, () -> s.execute("SELECT 1"),
                        "after its transaction the session is closed");
                assertTrue(System.nanoTime() - signalled < Duration.ofSeconds(15).toNanos(), closed.getMessage());
            }
            assertTrue(proxy.waitFor(30, TimeUnit.SECONDS), "the proxy exits within the drain deadline");
            assertEquals(0, proxy.exitValue(), Files.readString(log));

            String output = sysbenchOutputAfterItsSessionsClosed(load);
            Matcher fatal = Pattern.compile("FATAL: .* for query '([^']*)'").matcher(output);
            int failures = 0;
            while (fatal.find()) {
                failures++;
                assertEquals("BEGIN", fatal.group(1), "a session may only end where a transaction would begin:\n"
                        + output);
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
        try (Connection direct = ProxyFixture.connectDirect(bed, ""); Statement s = direct.createStatement()) {
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
            Thread.sleep(300);
            s.execute("INSERT INTO drain_inflight VALUES (2)");
            s.execute("COMMIT");
            assertEquals(0, drained.get(10, TimeUnit.SECONDS), "no session was cut");
            assertThrows(SQLException.class, () -> s.execute("SELECT 1"), "closed after its transaction");
        } finally {
            executor.shutdownNow();
        }
        try (Connection direct = ProxyFixture.connectDirect(bed, ""); Statement s = direct.createStatement()) {
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
            assertEquals(1, proxy.server().drain(Duration.ofMillis(500)), "the open transaction is cut, the idle "
                    + "session closed at once");
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

    private static void awaitReady(int adminPort, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (status(adminPort) == 200) {
                return;
            }
            Thread.sleep(100);
        }
        fail("the proxy never became ready:\n" + Files.readString(log));
    }

    private static void awaitLog(Path log, String line) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.readString(log).contains(line)) {
            if (System.nanoTime() > deadline) {
                fail("no '" + line + "' in the log:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    private static void awaitNotReady(int adminPort) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (status(adminPort) == 503) {
                return;
            }
            Thread.sleep(10);
        }
        fail("/readyz never turned false");
    }

    /** /readyz turns false just before the listener closes: allow the close a moment, then require it. */
    private static void assertRefused(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try {
                new Socket("127.0.0.1", port).close();
            } catch (IOException e) {
                break;
            }
            Thread.sleep(10);
        }
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "the listener is closed");
    }

    private static int status(int adminPort) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notListening) {
            return -1;
        }
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a client sees when the backend is missing, mute, dies mid-query, or when the proxy is full: an error it
 * can act on, quickly, never a hang. Each test runs its own proxy; the backend killed here is a throw-away server,
 * so the shared test bed is never disturbed.
 */
@ExtendWith(TestBedExtension.class)
class BackendFailureIT {

    private static final int ER_CON_COUNT_ERROR = 1040;
    /** The proxy's code for a backend it cannot reach (server codes only: see ProxyErrors). */
    private static final int ER_CONNECT_TO_FOREIGN_DATA_SOURCE = 1429;

    private static final int ER_NET_READ_ERROR = 1158;

    private final ReplicatedTestBed bed;

    BackendFailureIT(ReplicatedTestBed bed) {
        this.bed = bed;
    }

    @Test
    void unreachablePrimaryFailsTheLoginQuickly() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String overrides = ProxyFixture.NATIVE_PASSWORD_APP + "\n"
                + "mysql-proxy.backends.primary = \"127.0.0.1:" + closedPort + "\"\n"
                // No replica to log in on instead (PrimaryRestartIT covers logins while the primary is away).
                + "mysql-proxy.backends.replicas = []\n"
                + "mysql-proxy.backends.connect-timeout = 20s\n";
        try (ProxyFixture proxy = ProxyFixture.start(bed, overrides)) {
            long started = System.nanoTime();
            SQLException error =
                    assertThrows(SQLException.class, () -> proxy.connect("").close());
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(
                    elapsed.compareTo(Duration.ofSeconds(8)) < 0,
                    "a refused connection is reported at once, not after the 20 s connect timeout: " + elapsed);
            assertEquals(ER_CONNECT_TO_FOREIGN_DATA_SOURCE, error.getErrorCode(), error::getMessage);
            assertTrue(error.getMessage().contains("127.0.0.1:" + closedPort), error::getMessage);
        }
    }

    @Test
    void silentBackendFailsTheLoginWithinTheTimeouts() throws Exception {
        try (SilentServer silent = new SilentServer()) {
            String overrides = ProxyFixture.NATIVE_PASSWORD_APP + "\n"
                    + "mysql-proxy.backends { primary = \"127.0.0.1:" + silent.port() + "\", "
                    + "connect-timeout = 1s, handshake-timeout = 1s, replicas = [] }\n";
            try (ProxyFixture proxy = ProxyFixture.start(bed, overrides)) {
                int acceptedBefore = silent.accepted();
                long started = System.nanoTime();
                // Connector/J would wait 30 s; the proxy must answer after its own 1 s + 1 s.
                SQLException error = assertTimeoutPreemptively(
                        Duration.ofSeconds(20),
                        () -> assertThrows(
                                SQLException.class,
                                () -> proxy.connect("connectTimeout=30000&socketTimeout=30000")
                                        .close()));
                Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
                assertTrue(
                        elapsed.compareTo(Duration.ofMillis(1_500)) >= 0,
                        "the proxy waited for the backend before giving up: " + elapsed);
                assertTrue(
                        elapsed.compareTo(Duration.ofSeconds(8)) < 0,
                        "connect-timeout + handshake-timeout is 2 s, the error came after " + elapsed);
                assertTrue(silent.accepted() > acceptedBefore, "the proxy did reach the silent backend");
                assertEquals(ER_CONNECT_TO_FOREIGN_DATA_SOURCE, error.getErrorCode(), error::getMessage);
                assertTrue(error.getMessage().contains("127.0.0.1:" + silent.port()), error::getMessage);
            }
        }
    }

    @Test
    void backendKilledMidQueryFailsTheClientThenARestartedBackendServesAgain() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (TestBedServer server = new TestBedServer(101, false)) {
            server.start();
            provisionApp(server);
            String overrides = ProxyFixture.NATIVE_PASSWORD_APP + "\n"
                    + "mysql-proxy.backends.primary = \"" + server.host() + ":" + server.port() + "\"\n"
                    + "mysql-proxy.backends.replicas = []\n";
            try (ProxyFixture proxy = ProxyFixture.start(bed, overrides);
                    Connection client = proxy.connect("socketTimeout=120000");
                    Statement statement = client.createStatement()) {
                assertEquals(1, queryLong(statement, "SELECT 1"));
                Future<Long> sleeping = executor.submit(() -> queryLong(statement, "SELECT SLEEP(60)"));
                awaitRunning(server, "SELECT SLEEP(60)");

                long killed = System.nanoTime();
                server.kill();
                ExecutionException failure = assertThrows(
                        ExecutionException.class,
                        () -> sleeping.get(15, TimeUnit.SECONDS),
                        "the client must fail, not hang");
                Duration elapsed = Duration.ofNanos(System.nanoTime() - killed);
                SQLException error = assertInstanceOf(SQLException.class, failure.getCause());
                assertTrue(elapsed.compareTo(Duration.ofSeconds(5)) < 0, "error after " + elapsed);
                assertEquals(ER_NET_READ_ERROR, error.getErrorCode(), error::getMessage);
                assertTrue(error.getMessage().contains(server.host() + ":" + server.port()), error::getMessage);

                server.start();
                try (Connection again = proxy.connect("");
                        Statement st = again.createStatement()) {
                    assertEquals(101, queryLong(st, "SELECT @@server_id"));
                }
            }
        } finally {
            executor.shutdownNow();
            assertTrue(executor.awaitTermination(30, TimeUnit.SECONDS), "the query thread ended");
        }
    }

    @Test
    void connectionLimitRefusesTheFourthClientUntilOneLeaves() throws Exception {
        String overrides = ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.client.max-connections = 3\n";
        List<Connection> open = new ArrayList<>();
        try (ProxyFixture proxy = ProxyFixture.start(bed, overrides)) {
            for (int i = 0; i < 3; i++) {
                open.add(proxy.connect(""));
            }
            for (Connection c : open) {
                try (Statement st = c.createStatement()) {
                    assertEquals(1, queryLong(st, "SELECT 1"));
                }
            }
            SQLException refused =
                    assertThrows(SQLException.class, () -> proxy.connect("").close());
            assertEquals(ER_CON_COUNT_ERROR, refused.getErrorCode(), refused::getMessage);
            assertTrue(refused.getMessage().contains("Too many connections"), refused::getMessage);

            open.remove(0).close();
            // The proxy frees the slot once it has seen the client's socket close; that may take a moment.
            AtomicReference<Connection> admitted = new AtomicReference<>();
            Awaits.within(Duration.ofSeconds(15), "a fourth client is admitted once one left")
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        try {
                            admitted.set(proxy.connect(""));
                            return true;
                        } catch (SQLException e) {
                            if (e.getErrorCode() != ER_CON_COUNT_ERROR) {
                                throw e;
                            }
                            return false;
                        }
                    });
            open.add(admitted.get());
            try (Statement st = admitted.get().createStatement()) {
                assertEquals(1, queryLong(st, "SELECT 1"));
            }
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
    }

    // ---- helpers ----

    private static void provisionApp(TestBedServer server) throws SQLException {
        try (Connection root = server.connectAsRoot();
                Statement st = root.createStatement()) {
            st.execute(
                    "CREATE USER '" + DbAccount.APP.user() + "'@'%' IDENTIFIED BY '" + DbAccount.APP.password() + "'");
            st.execute("CREATE DATABASE " + ReplicatedTestBed.APP_DATABASE);
            st.execute("GRANT ALL ON " + ReplicatedTestBed.APP_DATABASE + ".* TO '" + DbAccount.APP.user() + "'@'%'");
        }
    }

    /** Waits until the server is executing {@code sql} (so the kill lands mid-query, not before it). */
    private static void awaitRunning(TestBedServer server, String sql) throws Exception {
        try (Connection root = server.connectAsRoot();
                Statement st = root.createStatement()) {
            Awaits.within(Duration.ofSeconds(30), "'" + sql + "' starts on " + server)
                    .until(() -> {
                        try (ResultSet rs = st.executeQuery(
                                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = '" + sql + "'")) {
                            rs.next();
                            return rs.getLong(1) > 0;
                        }
                    });
        }
    }

    private static long queryLong(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    /** Accepts TCP connections on loopback and never sends a byte; closes them all when closed. */
    private static final class SilentServer implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        SilentServer() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(
                    () -> {
                        while (!socket.isClosed()) {
                            try {
                                accepted.add(socket.accept());
                            } catch (IOException e) {
                                return;
                            }
                        }
                    },
                    "silent-backend");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int accepted() {
            return accepted.size();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
            acceptor.join(10_000);
        }
    }
}

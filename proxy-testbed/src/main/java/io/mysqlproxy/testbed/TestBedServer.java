package io.mysqlproxy.testbed;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One real server process ({@code mariadbd} or MySQL's {@code mysqld}, see {@link ServerFlavour}) on a loopback port
 * with its own temporary data directory.
 *
 * <p>The constructor prepares the data directory (a copy of {@link DataDirTemplate}); {@link #start()} launches
 * the server and returns once it accepts JDBC connections. After {@link #kill()} or {@link #stop()} the same
 * object can be started again on the same port and data directory, which is how tests simulate crashes and
 * restarts. {@link #close()} kills the process and deletes everything.
 */
public final class TestBedServer implements AutoCloseable {

    /** Servers listen on IPv4 loopback only. */
    public static final String HOST = "127.0.0.1";

    /** How long {@link #start()} waits for the server to accept connections. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

    static final String DIR_PREFIX = "mysql-proxy-testbed-server-";

    private static final Logger LOG = LoggerFactory.getLogger(TestBedServer.class);
    private static final int PORT_ATTEMPTS = 5;
    private static final int LOG_TAIL_LINES = 40;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private static final long READY_POLL_MILLIS = 50;

    private final ServerBinaries binaries;
    private final ServerRecipe recipe;
    private final String name;
    private final ServerLayout layout;
    private final int serverId;
    private final boolean readOnly;
    private final Optional<TestBedTls> tls;

    // Volatile and read without the lock: other threads (a proxy under test) read the port and probe liveness
    // while start() holds the lock for seconds; the shutdown hook must not wait for it either.
    private volatile int port;
    private volatile Process process;
    private volatile boolean closed;

    /** A server of {@link ServerFlavour#current()} and {@link TestBedTlsMode#current()}. */
    public TestBedServer(int serverId, boolean readOnly) {
        this(ServerFlavour.current(), serverId, readOnly);
    }

    /** With the certificates of {@link TestBedTlsMode#current()}; see the constructor below. */
    public TestBedServer(ServerFlavour flavour, int serverId, boolean readOnly) {
        this(flavour, serverId, readOnly, TestBedTlsMode.current().certificates());
    }

    /**
     * Prepares a server's data directory without starting it.
     *
     * @param flavour  MariaDB or MySQL
     * @param serverId the {@code server_id} (1 or more, unique within a replication topology)
     * @param readOnly whether to start with {@code read_only=ON}, as replicas do (MySQL: {@code super_read_only} too)
     * @param tls      the certificate the server presents to TLS clients, or none (MariaDB: no TLS; MySQL: its own
     *                 self-signed one)
     * @throws IllegalStateException if the flavour is not installed; the message names the install command
     */
    public TestBedServer(ServerFlavour flavour, int serverId, boolean readOnly, Optional<TestBedTls> tls) {
        if (serverId < 1) {
            throw new IllegalArgumentException("server_id must be positive: " + serverId);
        }
        this.binaries = ServerBinaries.locate(flavour);
        this.recipe = flavour.recipe();
        this.name = flavour.displayName();
        this.serverId = serverId;
        this.readOnly = readOnly;
        this.tls = tls;
        StaleServerReaper.reapOnce();
        Path template = DataDirTemplate.get(binaries);
        this.layout = ServerLayout.create(DIR_PREFIX + serverId + "-");
        try {
            FileTrees.copy(template, layout.dataDir());
        } catch (RuntimeException e) {
            FileTrees.delete(layout.workDir());
            throw e;
        }
        LiveServers.register(this);
    }

    /** Starts (or restarts) the server and waits up to {@link #DEFAULT_START_TIMEOUT} until it accepts connections. */
    public void start() {
        start(DEFAULT_START_TIMEOUT);
    }

    /**
     * Starts the server, or restarts it on the same port and data directory after {@link #kill()} or
     * {@link #stop()}. Does nothing if it is already running.
     *
     * @throws IllegalStateException if it does not become ready in time; the message ends with its error log
     */
    public synchronized void start(Duration timeout) {
        ensureOpen();
        if (isRunning()) {
            return;
        }
        long started = System.nanoTime();
        if (port == 0) {
            startOnFreePort(timeout);
        } else if (!launchAndAwaitReady(port, timeout)) {
            throw startFailure("port " + port + " is taken by another process");
        }
        LOG.info(
                "{} server_id={} ready on {}:{} in {} ms (read_only={}, dir {})",
                name,
                serverId,
                HOST,
                port,
                (System.nanoTime() - started) / 1_000_000,
                readOnly,
                layout.workDir());
    }

    /** A port picked now may be taken by someone else before the server binds it, so conflicts are retried. */
    private void startOnFreePort(Duration timeout) {
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            int candidate = LoopbackPorts.free();
            if (launchAndAwaitReady(candidate, timeout)) {
                port = candidate;
                return;
            }
            LOG.debug("Port {} was taken before server_id={} could bind it; retrying", candidate, serverId);
        }
        throw startFailure("no free port after " + PORT_ATTEMPTS + " attempts");
    }

    /** @return true once ready, false if the port was in use; throws on any other failure */
    private boolean launchAndAwaitReady(int candidatePort, Duration timeout) {
        long logOffset = errorLogSize();
        Process launched = launch(candidatePort);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!launched.isAlive()) {
                if (bindConflictSince(logOffset)) {
                    return false;
                }
                throw startFailure("the server exited with code " + launched.exitValue());
            }
            if (acceptsConnections(candidatePort)) {
                return true;
            }
            pause(READY_POLL_MILLIS);
        }
        destroy(launched);
        throw startFailure("not ready within " + timeout);
    }

    private Process launch(int candidatePort) {
        try {
            Process launched = new ProcessBuilder(
                            recipe.commandLine(binaries, layout, serverId, candidatePort, readOnly, tls))
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(layout.errorLog().toFile()))
                    .start();
            process = launched;
            Files.writeString(layout.processPidFile(), Long.toString(launched.pid()));
            return launched;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot launch " + binaries.server(), e);
        }
    }

    /**
     * Checks the socket path too: when our bind failed, another test bed's server may own the port and would
     * happily accept the same root password.
     */
    private boolean acceptsConnections(int candidatePort) {
        String url = jdbcUrl(candidatePort, null) + "&connectTimeout=2000";
        try (Connection connection =
                        DriverManager.getConnection(url, DbAccount.ROOT.user(), DbAccount.ROOT.password());
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT @@socket")) {
            return rs.next() && layout.socket().toString().equals(rs.getString(1));
        } catch (SQLException e) {
            return false;
        }
    }

    private boolean bindConflictSince(long logOffset) {
        String log = errorLogSince(logOffset);
        return log.contains("Address already in use") || log.contains("Bind on TCP/IP port");
    }

    /** Sends SIGKILL, like a crash or an OOM kill, and waits for the process to be gone. No-op if not running. */
    public synchronized void kill() {
        Process current = process;
        if (current == null || !current.isAlive()) {
            return;
        }
        destroy(current);
        LOG.info("Killed {} server_id={} on port {}", name, serverId, port);
    }

    /** Shuts down gracefully (SIGTERM), forcing it if that takes longer than 30 s. No-op if not running. */
    public synchronized void stop() {
        Process current = process;
        if (current == null || !current.isAlive()) {
            return;
        }
        current.destroy();
        if (!awaitExit(current, STOP_TIMEOUT)) {
            LOG.warn("{} server_id={} ignored SIGTERM for {}; killing it", name, serverId, STOP_TIMEOUT);
            destroy(current);
        }
        LOG.info("Stopped {} server_id={} on port {}", name, serverId, port);
    }

    public boolean isRunning() {
        Process current = process;
        return current != null && current.isAlive();
    }

    /** Kills the server and deletes its directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        kill();
        LiveServers.unregister(this);
        FileTrees.delete(layout.workDir());
    }

    /**
     * Called from the JVM shutdown hook. Takes no lock: the thread holding it may be the one stuck in
     * {@link #start()} while the JVM exits, and waiting for it would hang the shutdown.
     */
    void destroyOnShutdown() {
        Process current = process;
        if (current != null) {
            current.destroyForcibly();
            awaitExit(current, KILL_TIMEOUT);
        }
        try {
            FileTrees.delete(layout.workDir());
        } catch (RuntimeException e) {
            // The JVM is exiting; the next run's StaleServerReaper removes what is left.
        }
    }

    public String host() {
        return HOST;
    }

    /** The port, fixed at the first {@link #start()} and kept across restarts; 0 before that. */
    public int port() {
        return port;
    }

    public ServerFlavour flavour() {
        return binaries.flavour();
    }

    public int serverId() {
        return serverId;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    /** The certificate this server presents to TLS clients, if it has the test bed's. */
    public Optional<TestBedTls> tls() {
        return tls;
    }

    public Path dataDir() {
        return layout.dataDir();
    }

    /** The server's temporary directory: data dir, socket, pid file and error log. */
    public Path workDir() {
        return layout.workDir();
    }

    /** The server's error log (its captured stdout and stderr). */
    public Path errorLog() {
        return layout.errorLog();
    }

    /**
     * A Connector/J URL for this server; it always has a query string, so callers append with {@code &}.
     *
     * @param database the default schema, or null for none
     */
    public String jdbcUrl(String database) {
        return jdbcUrl(port(), database);
    }

    private String jdbcUrl(int port, String database) {
        return "jdbc:mysql://" + HOST + ":" + port + "/" + (database == null ? "" : database) + "?"
                + recipe.jdbcOptions();
    }

    /** Opens a JDBC connection as {@code account}. */
    public Connection connect(DbAccount account, String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), account.user(), account.password());
    }

    /**
     * Makes the server read-only or writable as an operator would in a switchover: {@code read_only}, and on MySQL
     * {@code super_read_only} as well, which is how the test bed's MySQL replicas run.
     */
    public void setReadOnly(boolean on) throws SQLException {
        try (Connection connection = connectAsRoot();
                Statement statement = connection.createStatement()) {
            statement.execute(recipe.readOnlyStatement(on));
        }
    }

    /** Opens a JDBC connection as the test bed's root account, without a default schema. */
    public Connection connectAsRoot() throws SQLException {
        return connect(DbAccount.ROOT, null);
    }

    @Override
    public String toString() {
        return name + "Server[server_id=" + serverId + ", " + HOST + ":" + port + ", running=" + isRunning() + "]";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(name + " server_id=" + serverId + " is closed");
        }
    }

    private IllegalStateException startFailure(String reason) {
        return new IllegalStateException(name + " server_id=" + serverId + " failed to start: " + reason
                + ". Last lines of " + layout.errorLog() + ":" + System.lineSeparator()
                + FileTrees.tail(layout.errorLog(), LOG_TAIL_LINES));
    }

    private long errorLogSize() {
        try {
            return Files.exists(layout.errorLog()) ? Files.size(layout.errorLog()) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private String errorLogSince(long offset) {
        try {
            byte[] bytes = Files.readAllBytes(layout.errorLog());
            int from = (int) Math.min(offset, bytes.length);
            return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private void destroy(Process target) {
        target.destroyForcibly();
        if (!awaitExit(target, KILL_TIMEOUT)) {
            throw new IllegalStateException("Server pid " + target.pid() + " survived SIGKILL for " + KILL_TIMEOUT);
        }
    }

    private static boolean awaitExit(Process target, Duration timeout) {
        try {
            return target.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for server pid " + target.pid(), e);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the server to start", e);
        }
    }
}

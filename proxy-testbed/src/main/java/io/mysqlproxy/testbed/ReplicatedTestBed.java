package io.mysqlproxy.testbed;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A primary (server_id 1) with GTID replicas (server_id 2, 3, ...), all real server processes on loopback, of one
 * {@link ServerFlavour}: MariaDB or Oracle MySQL. Replicas run with {@code read_only=ON} (MySQL: and
 * {@code super_read_only=ON}). Accounts are in {@link DbAccount}; the
 * application schema is {@link #APP_DATABASE}. Unless {@link TestBedTlsMode} says {@code off}, every server presents
 * a certificate of the bed's own CA ({@link #tls()}); the bed sets up no TLS for its own connections or for
 * replication.
 *
 * <p>Servers may be killed, stopped and restarted by tests; {@link #heal()} brings the topology back.
 * {@link #close()} destroys everything; if it is never called, a JVM shutdown hook kills the servers.
 */
public final class ReplicatedTestBed implements AutoCloseable {

    /** The database created on the primary (and replicated) for application tables. */
    public static final String APP_DATABASE = "app";

    /** Default replica count of {@link #start()}. */
    public static final int DEFAULT_REPLICAS = 2;

    /** Default bound for {@link #awaitReplication()} and {@link #heal()}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedTestBed.class);

    private final TestBedServer primary;
    private final List<TestBedServer> replicas;
    private final List<TestBedServer> servers;
    private volatile boolean closed;

    private ReplicatedTestBed(TestBedServer primary, List<TestBedServer> replicas) {
        this.primary = primary;
        this.replicas = List.copyOf(replicas);
        List<TestBedServer> all = new ArrayList<>();
        all.add(primary);
        all.addAll(replicas);
        this.servers = List.copyOf(all);
    }

    /** Starts a primary with {@value #DEFAULT_REPLICAS} replicas of {@link ServerFlavour#current()}. */
    public static ReplicatedTestBed start() {
        return start(DEFAULT_REPLICAS);
    }

    /** Starts a primary and {@code replicaCount} replicas of {@link ServerFlavour#current()}. */
    public static ReplicatedTestBed start(int replicaCount) {
        return start(ServerFlavour.current(), replicaCount);
    }

    /** Starts a primary and {@code replicaCount} replicas in the {@link TestBedTlsMode#current()} mode. */
    public static ReplicatedTestBed start(ServerFlavour flavour, int replicaCount) {
        return start(flavour, replicaCount, TestBedTlsMode.current());
    }

    /**
     * Starts a primary and {@code replicaCount} replicas, creates the accounts and {@link #APP_DATABASE} on the
     * primary and returns once every replica has replicated them.
     *
     * @param tlsMode whether the servers present the bed's certificates
     * @throws IllegalStateException if the flavour is missing or a server or replication fails to come up; servers
     *                               started so far are destroyed
     */
    public static ReplicatedTestBed start(ServerFlavour flavour, int replicaCount, TestBedTlsMode tlsMode) {
        if (replicaCount < 0) {
            throw new IllegalArgumentException("replicaCount must not be negative: " + replicaCount);
        }
        long started = System.nanoTime();
        List<TestBedServer> created = new ArrayList<>();
        try {
            Optional<TestBedTls> tls = tlsMode.certificates();
            TestBedServer primary = new TestBedServer(flavour, 1, false, tls);
            created.add(primary);
            List<TestBedServer> replicas = new ArrayList<>();
            for (int i = 0; i < replicaCount; i++) {
                TestBedServer replica = new TestBedServer(flavour, i + 2, true, tls);
                created.add(replica);
                replicas.add(replica);
            }
            ReplicatedTestBed bed = new ReplicatedTestBed(primary, replicas);
            bed.bootstrap();
            LOG.info(
                    "Replicated {} test bed up in {} ms: primary {}:{}, replicas {}, TLS {}",
                    flavour.displayName(),
                    (System.nanoTime() - started) / 1_000_000,
                    primary.host(),
                    primary.port(),
                    replicas.stream().map(TestBedServer::port).toList(),
                    tls.map(files -> "with the CA " + files.caCertificate()).orElse("off"));
            return bed;
        } catch (RuntimeException | Error e) {
            created.forEach(ReplicatedTestBed::closeQuietly);
            throw e;
        }
    }

    /**
     * Provisioning before attaching replicas is equivalent to the reverse order (a fresh replica with an empty
     * GTID position streams the primary's binlog from its very first event) but saves each replica a failed
     * login as a not-yet-existing repl user and the retry that follows.
     */
    private void bootstrap() {
        servers.forEach(TestBedServer::start);
        try {
            PrimaryProvisioner.provision(primary, APP_DATABASE);
            for (TestBedServer replica : replicas) {
                ReplicationLink.attach(replica, primary);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot set up replication: " + e.getMessage(), e);
        }
        awaitReplication(DEFAULT_TIMEOUT);
    }

    public ServerFlavour flavour() {
        return primary.flavour();
    }

    public TestBedServer primary() {
        return primary;
    }

    public List<TestBedServer> replicas() {
        return replicas;
    }

    /**
     * The TLS files every server of this bed presents, empty when started with {@link TestBedTlsMode#OFF}: a proxy
     * in front of the bed verifies the servers against {@link TestBedTls#caCertificate()}.
     */
    public Optional<TestBedTls> tls() {
        return primary.tls();
    }

    /** The primary followed by the replicas. */
    public List<TestBedServer> servers() {
        return servers;
    }

    /** {@link #awaitReplication(Duration)} with {@link #DEFAULT_TIMEOUT}. */
    public void awaitReplication() {
        awaitReplication(DEFAULT_TIMEOUT);
    }

    /**
     * Waits until every running replica has applied everything the primary had binlogged when this was
     * called. Stopped replicas are skipped.
     *
     * @throws IllegalStateException on timeout, on a replication error, or if the primary is down
     */
    public void awaitReplication(Duration timeout) {
        ensureOpen();
        ReplicationWaiter.await(primary, replicas, timeout);
    }

    /**
     * Restarts every server that is not running (primary first, so replicas reattach at once) and waits for
     * replication to catch up. Cheap when nothing is broken, so shared users call it before each use.
     */
    public void heal() {
        ensureOpen();
        servers.forEach(TestBedServer::start);
        awaitReplication(DEFAULT_TIMEOUT);
    }

    /** Kills all servers and deletes their directories. Idempotent; the data is discarded, so no clean shutdown. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        servers.forEach(ReplicatedTestBed::closeQuietly);
        LOG.info("Replicated test bed closed");
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("The test bed is closed");
        }
    }

    private static void closeQuietly(TestBedServer server) {
        try {
            server.close();
        } catch (RuntimeException e) {
            LOG.warn("Could not close {}", server, e);
        }
    }

    @Override
    public String toString() {
        return "ReplicatedTestBed[primary=" + primary + ", replicas=" + replicas + "]";
    }
}

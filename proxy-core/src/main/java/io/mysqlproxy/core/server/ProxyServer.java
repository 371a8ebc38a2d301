package io.mysqlproxy.core.server;

import io.mysqlproxy.core.accounts.UserDirectory;
import io.mysqlproxy.core.admin.AdminServer;
import io.mysqlproxy.core.admin.ServingReadiness;
import io.mysqlproxy.core.auth.FailedLogins;
import io.mysqlproxy.core.auth.RsaKeys;
import io.mysqlproxy.core.auth.Sha2AuthCache;
import io.mysqlproxy.core.auth.UserConnections;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.config.DiscoveryMode;
import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.health.HealthMonitor;
import io.mysqlproxy.core.health.PrimaryPositions;
import io.mysqlproxy.core.metrics.DiscoveryMeters;
import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.pool.BackendPools;
import io.mysqlproxy.core.pool.PrimaryOutageBuffer;
import io.mysqlproxy.core.report.QueriesReport;
import io.mysqlproxy.core.route.ReplicaBalancer;
import io.mysqlproxy.core.route.RouteReason;
import io.mysqlproxy.core.route.Router;
import io.mysqlproxy.core.session.SessionRegistry;
import io.mysqlproxy.core.stats.QueryStats;
import io.mysqlproxy.core.tls.BackendTlsContext;
import io.mysqlproxy.core.tls.ClientTlsContext;
import io.mysqlproxy.core.tls.ReloadableSslContext;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.Discovery;
import io.mysqlproxy.core.topology.StaticDiscovery;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.TopologyHolder;
import io.mysqlproxy.core.topology.TopologyUpdater;
import io.mysqlproxy.core.topology.WriteGate;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The listening proxy: accepts clients on the configured port and serves each on an event loop. */
public final class ProxyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    /** Per-channel outbound buffer bounds: above the high mark the other side stops being read. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel listener;
    private final ProxyRuntime runtime;
    private final AdminServer admin;
    private final Optional<HealthMonitor> health;
    private final Discovery discovery;
    private final TopologyUpdater updater;
    /** Set when shutdown begins: /readyz answers false from then on. */
    private final AtomicBoolean draining;

    private final AtomicBoolean closed = new AtomicBoolean();

    private ProxyServer(
            EventLoopGroup boss,
            EventLoopGroup workers,
            Channel listener,
            ProxyRuntime runtime,
            AdminServer admin,
            Optional<HealthMonitor> health,
            Discovery discovery,
            AtomicBoolean draining,
            TopologyUpdater updater) {
        this.draining = draining;
        this.updater = updater;
        this.boss = boss;
        this.workers = workers;
        this.listener = listener;
        this.runtime = runtime;
        this.admin = admin;
        this.health = health;
        this.discovery = discovery;
    }

    /** Binds the listener, with the replicas the configuration names; throws if the port cannot be bound. */
    public static ProxyServer start(ProxyConfig config) throws InterruptedException {
        if (config.discovery().mode() != DiscoveryMode.STATIC) {
            // Core never depends on the Kubernetes client: the application passes that discovery in.
            throw new InvalidConfigException(
                    "mysql-proxy.discovery.mode",
                    "kubernetes discovery is not available " + "here; start the proxy with bin/mysql-proxy run");
        }
        return start(config, new StaticDiscovery(config.backends()));
    }

    /**
     * Binds the listener, with the replicas {@code discovery} reports as they change; the server
     * starts it, and closes it on close (or when starting fails). Throws if the port cannot be bound.
     */
    public static ProxyServer start(ProxyConfig config, Discovery discovery) throws InterruptedException {
        Transport transport = Transport.best();
        EventLoopGroup boss = transport.newGroup(1);
        int threads = config.eventLoopThreads() > 0
                ? config.eventLoopThreads()
                : Runtime.getRuntime().availableProcessors();
        EventLoopGroup workers = transport.newGroup(threads);
        UserDirectory directory = null;
        PrimaryPositions positions = null;
        try {
            BackendConnector connector = new BackendConnector(
                    transport::clientChannel,
                    config.backends().connectTimeout(),
                    config.backends().handshakeTimeout(),
                    config.backends().passwordExchange(),
                    BackendTlsContext.create(config.backends().tls()));
            BackendPools pools = ServerParts.backendPools(config, connector);
            AtomicInteger openConnections = new AtomicInteger();
            Backend primary = new Backend(
                    config.backends().primary(),
                    BackendRole.PRIMARY,
                    config.backends().primary().toString());
            TopologyHolder topology = new TopologyHolder(Topology.of(primary, List.of()));
            ProxyMetrics metrics = new ProxyMetrics(
                    topology::current,
                    openConnections,
                    RouteReason.class,
                    RouteReason::label,
                    ServerParts.poolMeters(pools));
            metrics.register(primary);
            TopologyUpdater updater = new TopologyUpdater(
                    topology, config.backends().weights(), ServerParts.topologyChanges(metrics, pools));
            discovery.countIgnored(new DiscoveryMeters(metrics.registry())::endpointsIgnored);
            discovery.start(updater);
            log.info("replicas from {}: {}", discovery, topology.current().replicas());
            AtomicReference<ProxyConfig> configuration = new AtomicReference<>(config);
            Sha2AuthCache sha2Cache = new Sha2AuthCache();
            directory = ServerParts.userDirectory(config, configuration::get, topology, pools, sha2Cache, metrics);
            positions = ServerParts.primaryPositions(configuration, topology, metrics);
            ProxyRuntime runtime = new ProxyRuntime(
                    configuration,
                    new ServerIdentity(config.serverVersion()),
                    connector,
                    ClientTlsContext.create(config.client().tls()),
                    RsaKeys.load(config.client().rsa()),
                    sha2Cache,
                    new FailedLogins(config.client().failedLogins()),
                    new UserConnections(),
                    topology,
                    new WriteGate(),
                    pools,
                    new Router(config.routing().readOnlyTransactionsOnReplica()),
                    new ReplicaBalancer(config.routing().balancer(), pools::outstanding),
                    openConnections,
                    new AtomicLong(),
                    new SessionRegistry().metered(metrics.sessions()),
                    metrics,
                    new PrimaryOutageBuffer(() -> configuration.get().backends().primaryOutageBuffer(), metrics),
                    positions,
                    directory,
                    new QueryStats(config.stats().queries(), config.stats().maxDigests()));
            metrics.logins().blockedHosts(runtime.failedLogins()::blockedHosts);
            learnServerIdentity(workers, runtime);
            Channel listener = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childHandler(new ClientChannelInitializer(runtime))
                    .bind(config.listenHost(), config.listenPort())
                    .sync()
                    .channel();
            log.info(
                    "mysql-proxy listening on {} ({}), primary {}",
                    listener.localAddress(),
                    transport,
                    config.backends().primary());
            AtomicBoolean draining = new AtomicBoolean();
            AdminServer admin;
            try {
                admin = AdminServer.start(
                        config.admin().host(),
                        config.admin().port(),
                        config.admin().token(),
                        new ServingReadiness(
                                () -> !draining.get() && listener.isActive(),
                                runtime::topology,
                                runtime.writeGate()::refusal),
                        ServerParts.backendsJson(runtime),
                        ServerParts.sessionsJson(runtime.sessions()),
                        ServerParts.scrapeWithQueryMeters(runtime));
                admin.serveJson("/queries", parameters -> QueriesReport.json(runtime.queryStats(), parameters));
            } catch (IOException e) {
                listener.close().awaitUninterruptibly();
                throw new UncheckedIOException(
                        "cannot bind the admin port " + config.admin().host() + ":"
                                + config.admin().port(),
                        e);
            }
            return new ProxyServer(
                    boss,
                    workers,
                    listener,
                    runtime,
                    admin,
                    ServerParts.startHealthMonitor(config, runtime, updater),
                    discovery,
                    draining,
                    updater);
        } catch (InterruptedException | RuntimeException e) {
            discovery.close();
            if (directory != null) {
                directory.close();
            }
            if (positions != null) {
                positions.close();
            }
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Greets clients with the primary's version as soon as it is known; until then, the neutral one.
     * Waiting briefly here makes the first clients see the real version in the common case.
     */
    private static void learnServerIdentity(EventLoopGroup workers, ProxyRuntime runtime) {
        var probe = runtime.identityKnown(workers.next());
        probe.awaitUninterruptibly();
        // Listeners may still be running when the waiter wakes; learn from the result directly.
        if (probe.isSuccess() && probe.getNow() instanceof io.mysqlproxy.protocol.packet.HandshakeV10 greeting) {
            runtime.identity().learn(greeting);
        }
        if (runtime.identity().known()) {
            log.info(
                    "primary {} is {}",
                    runtime.config().backends().primary(),
                    runtime.identity().serverVersion());
        } else {
            log.warn(
                    "primary {} not reachable at start-up ({}); each client's greeting waits for one attempt to reach it",
                    runtime.config().backends().primary(),
                    String.valueOf(probe.cause()));
        }
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public int adminPort() {
        return admin.port();
    }

    public int openConnections() {
        return runtime.openConnections().get();
    }

    /** Shared state for tests and the admin endpoints: topology, pools, routing. */
    public ProxyRuntime runtime() {
        return runtime;
    }

    /**
     * Applies a reloaded configuration without a restart and without dropping sessions: users,
     * the static replicas and their weights, routing consistency, timeouts and fallback, the lag
     * limit and the drain timeout take effect at once. Any other difference needs a restart: it is
     * logged, and the running value stays. Returns the keys that would need a restart.
     */
    public synchronized List<String> reconfigure(ProxyConfig next) {
        ProxyConfig current = runtime.config();
        List<String> restart = ConfigChanges.needingRestart(current, next);
        ProxyConfig applied = ConfigChanges.reloadable(current, next);
        runtime.configuration().set(applied);
        if (discovery instanceof StaticDiscovery fromConfiguration) {
            fromConfiguration.reconfigure(applied.backends());
        }
        updater.weights(applied.backends().weights());
        health.ifPresent(monitor -> monitor.maxReplicationLag(applied.health().maxReplicationLag()));
        reloadCertificateIfChanged();
        int unblocked = runtime.failedLogins().unblockAll();
        runtime.metrics().configReloaded(true);
        if (unblocked > 0) {
            log.info("configuration reloaded: {} blocked client address(es) unblocked", unblocked);
        }
        log.info(
                "configuration reloaded: {} user(s), replicas {}{}",
                applied.users().size(),
                runtime.topology().replicas(),
                restart.isEmpty() ? "" : "; needs a restart, running value kept: " + String.join(", ", restart));
        return restart;
    }

    /**
     * Rebuilds the client TLS context if the certificate or key file changed (on SIGHUP, with the
     * configuration, and on the configuration watch): new connections get the new certificate,
     * sessions keep theirs. Whether it changed.
     */
    public boolean reloadCertificateIfChanged() {
        return runtime.tls().orElse(null) instanceof ReloadableSslContext reloadable && reloadable.reloadIfChanged();
    }

    /** A reload that could not be applied (the file did not load): the running configuration stays. */
    public void reloadRejected(String reason) {
        runtime.metrics().configReloaded(false);
        log.error("configuration reload rejected, the running configuration stays: {}", reason);
    }

    /**
     * Shuts down as Kubernetes expects on SIGTERM: {@code /readyz} turns false, then the listener
     * closes; each session ends at its next transaction boundary; sessions still open after
     * {@code deadline} are cut with error 1053; then everything closes. Returns how many were cut.
     */
    public int drain(Duration deadline) {
        draining.set(true);
        log.info(
                "draining: /readyz is false; no new clients; sessions end at their next transaction boundary "
                        + "(deadline {} s)",
                deadline.toSeconds());
        listener.close().awaitUninterruptibly();
        log.info("listener closed: no new clients");
        SessionRegistry sessions = runtime.sessions();
        sessions.drainAll();
        long end = System.nanoTime() + deadline.toNanos();
        while (sessions.size() > 0
                && System.nanoTime() - end < 0
                && !Thread.currentThread().isInterrupted()) {
            sleep(20);
        }
        int cut = sessions.size();
        if (cut > 0) {
            log.warn(
                    "drain deadline passed: closing {} session(s) still in a command or transaction, with error 1053",
                    cut);
            sessions.shutDownAll("the proxy's drain deadline passed");
            long closeBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (sessions.size() > 0
                    && System.nanoTime() - closeBy < 0
                    && !Thread.currentThread().isInterrupted()) {
                sleep(20);
            }
        } else {
            log.info("drained: every session ended at a transaction boundary");
        }
        close();
        return cut;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops accepting, closes every connection and releases the event loops. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        draining.set(true);
        discovery.close();
        listener.close().awaitUninterruptibly();
        // Sessions end on their own loops before the loops stop, so that what they hold (backend
        // connections, buffers of a command half done) is released by them, not left to the loops'
        // shutdown, which runs only the tasks already queued.
        runtime.sessions().shutDownAll("the proxy is closing");
        admin.close();
        health.ifPresent(HealthMonitor::close);
        runtime.primaryPositions().close();
        runtime.directory().close();
        runtime.metrics().close();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        log.info("mysql-proxy stopped");
    }
}

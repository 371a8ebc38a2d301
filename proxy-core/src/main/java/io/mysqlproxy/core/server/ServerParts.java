package io.mysqlproxy.core.server;

import io.mysqlproxy.core.accounts.AccountRefresher;
import io.mysqlproxy.core.accounts.UserDirectory;
import io.mysqlproxy.core.auth.Sha2AuthCache;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.health.ConnectorJTls;
import io.mysqlproxy.core.health.HealthMonitor;
import io.mysqlproxy.core.health.HealthSettings;
import io.mysqlproxy.core.health.PrimaryGtidReader;
import io.mysqlproxy.core.health.PrimaryIdentification;
import io.mysqlproxy.core.health.PrimaryPositions;
import io.mysqlproxy.core.metrics.AccountMeters;
import io.mysqlproxy.core.metrics.BackendMeter;
import io.mysqlproxy.core.metrics.ConsistencyMeters;
import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.pool.BackendPools;
import io.mysqlproxy.core.pool.PoolSettings;
import io.mysqlproxy.core.report.BackendStatus;
import io.mysqlproxy.core.report.BackendsReport;
import io.mysqlproxy.core.report.SessionsReport;
import io.mysqlproxy.core.session.SessionRegistry;
import io.mysqlproxy.core.stats.QueryStatsMeters;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.TopologyHolder;
import io.mysqlproxy.core.topology.TopologyUpdater;
import io.mysqlproxy.core.topology.Writability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * How {@link ProxyServer}, the composition root, connects the proxy's parts where they may not know
 * each other: the pools' meters shown beside each backend's, what a topology change does to the
 * metrics and the pools, the health monitor with its primary identification, and the primary position
 * lookups of global consistency.
 */
final class ServerParts {

    private static final Logger log = LoggerFactory.getLogger(ServerParts.class);
    /** How often at most the digests exported to /metrics (the top ones by time) are chosen again. */
    private static final Duration QUERY_METERS_INTERVAL = Duration.ofSeconds(10);

    /** How long {@code /sessions} waits for the sessions to describe themselves. */
    private static final Duration SESSIONS_WAIT = Duration.ofSeconds(2);

    private ServerParts() {}

    /** Each backend's pool, as {@code /metrics} shows it beside the backend's own meters. */
    static List<BackendMeter> poolMeters(BackendPools pools) {
        return List.of(
                BackendMeter.gauge(
                        "mysqlproxy_backend_outstanding",
                        "Requests in flight",
                        b -> poolFigure(pools, b, p -> p.load().outstanding())),
                BackendMeter.gauge(
                        "mysqlproxy_backend_connections_open",
                        "Pooled connections open (in use, idle or resetting)",
                        b -> poolFigure(pools, b, p -> p.openConnections())),
                BackendMeter.gauge(
                        "mysqlproxy_backend_connections_in_use",
                        "Pooled connections borrowed by sessions now (open minus idle)",
                        b -> poolFigure(pools, b, p -> Math.max(0, p.openConnections() - p.idleConnections()))),
                BackendMeter.gauge(
                        "mysqlproxy_backend_connections_idle",
                        "Pooled connections idle",
                        b -> poolFigure(pools, b, p -> p.idleConnections())),
                BackendMeter.counter(
                        "mysqlproxy_backend_pool_waits",
                        "Borrowers that waited for a free pooled connection",
                        b -> poolFigure(pools, b, p -> p.waits())),
                BackendMeter.counter(
                        "mysqlproxy_backend_pool_wait_timeouts",
                        "Borrowers that gave up waiting (error 1040)",
                        b -> poolFigure(pools, b, p -> p.timeouts())),
                BackendMeter.gauge(
                        "mysqlproxy_backend_connections_tls",
                        "Pooled connections open that run in TLS (of mysqlproxy_backend_connections_open)",
                        b -> poolFigure(pools, b, p -> p.tls().encryptedOpen())),
                BackendMeter.counter(
                        "mysqlproxy_backend_tls_handshakes",
                        "TLS handshakes of new backend connections",
                        b -> poolFigure(pools, b, p -> p.tls().handshakes())),
                BackendMeter.counter(
                        "mysqlproxy_backend_tls_handshakes_resumed",
                        "Of those, handshakes that resumed an earlier TLS session (no full handshake)",
                        b -> poolFigure(pools, b, p -> p.tls().resumedHandshakes())),
                BackendMeter.counter(
                        "mysqlproxy_backend_connections_discarded",
                        "Pooled connections their session closed instead of giving back (lost, or mid-command)",
                        b -> poolFigure(pools, b, p -> p.discards())));
    }

    /** {@code /backends}: each backend's status now, and why writes are refused (if they are). */
    static Supplier<String> backendsJson(ProxyRuntime runtime) {
        return () -> BackendsReport.json(
                BackendStatus.of(runtime.topology(), runtime.pools(), runtime.metrics()),
                runtime.writeGate().refusal());
    }

    /**
     * {@code /sessions}: every session's status, each taken on its own loop; those that do not answer within
     * {@link #SESSIONS_WAIT} (a stuck loop) are left out.
     */
    static Supplier<String> sessionsJson(SessionRegistry sessions) {
        return () -> {
            try {
                return SessionsReport.json(sessions.statuses(SESSIONS_WAIT));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the sessions described themselves", e);
            }
        };
    }

    /** A figure of {@code backend}'s pool, 0 once it has none (it left the topology). */
    private static double poolFigure(BackendPools pools, Backend backend, ToDoubleFunction<BackendPool> figure) {
        BackendPool pool = pools.find(backend);
        return pool == null ? 0 : figure.applyAsDouble(pool);
    }

    /**
     * Backends that join the topology are counted and get their meters; drains count as state
     * changes; a backend that leaves is counted, loses its meters, and its pool is retired (idle
     * connections close now).
     */
    static TopologyUpdater.Changes topologyChanges(ProxyMetrics metrics, BackendPools pools) {
        return new TopologyUpdater.Changes() {
            @Override
            public void added(Backend backend) {
                metrics.added(backend);
            }

            @Override
            public void stateChanged(Backend backend, BackendState from, BackendState to) {
                metrics.stateChanged();
            }

            @Override
            public void removed(Backend backend) {
                metrics.removed(backend);
                pools.retire(backend);
            }
        };
    }

    /**
     * Who may log in: with {@code user-source = servers | both}, the primary's accounts read by a
     * refresher of their own; after each read the pooled connections of users whose account was dropped,
     * locked or changed are retired, and the caching_sha2 fast-path entries of accounts gone are dropped.
     */
    static UserDirectory userDirectory(
            ProxyConfig config,
            Supplier<ProxyConfig> current,
            TopologyHolder topology,
            BackendPools pools,
            Sha2AuthCache sha2Cache,
            ProxyMetrics metrics) {
        if (!config.accounts().source().readsServers()) {
            return new UserDirectory(current, Optional.empty());
        }
        ProxyConfig.Accounts accounts = config.accounts();
        AccountRefresher refresher = AccountRefresher.start(
                monitorSettings(config),
                () -> topology.current().primary().address(),
                new AccountMeters(metrics.registry()),
                (all, changedUsers) -> {
                    changedUsers.forEach(pools::retireUser);
                    sha2Cache.retainOnly(all.all());
                },
                accounts.refreshInterval(),
                accounts.refreshMinInterval());
        log.info(
                "users from {}: {} account(s) read from the primary",
                accounts.source().label(),
                refresher.current().size());
        return new UserDirectory(current, Optional.of(refresher));
    }

    /** The backend pools, sized and timed by {@code backends.pool}. */
    static BackendPools backendPools(ProxyConfig config, BackendConnector connector) {
        ProxyConfig.Pool pool = config.backends().pool();
        return new BackendPools(
                connector,
                new PoolSettings(
                        pool.maxConnections(),
                        pool.idleTimeout(),
                        pool.borrowTimeout(),
                        config.backends().handshakeTimeout(),
                        pool.maxIdlePerKey(),
                        pool.excessIdleTimeout(),
                        pool.maxPerUser()));
    }

    /** The monitor account and how it connects: for the health checks, the reading of accounts and the primary position lookups. */
    private static HealthSettings monitorSettings(ProxyConfig config) {
        ProxyConfig.Health health = config.health();
        return new HealthSettings(
                health.interval(),
                health.timeout(),
                health.maxReplicationLag(),
                health.ejectAfter(),
                health.readmitAfter(),
                config.monitor().user(),
                config.monitor().password(),
                config.backends().passwordExchange().allowPublicKeyRetrieval(),
                config.backends().passwordExchange().serverPublicKey().map(ProxyConfig.ServerPublicKey::file),
                ConnectorJTls.properties(config.backends().tls()));
    }

    /** Health checks need the monitor account; without one every backend counts as up. */
    static Optional<HealthMonitor> startHealthMonitor(
            ProxyConfig config, ProxyRuntime runtime, TopologyUpdater updater) {
        if (config.monitor().user().isBlank()) {
            log.warn("no monitor user (mysql-proxy.monitor.user): backends are not health-checked");
            return Optional.empty();
        }
        ProxyMetrics metrics = runtime.metrics();
        PrimaryIdentification primary = new PrimaryIdentification(
                config.backends().primaryMode(),
                runtime::topology,
                runtime.writeGate(),
                updater::promote,
                new PrimaryIdentification.Listener() {
                    @Override
                    public void writesRefused(boolean refused) {
                        metrics.writesRefused(refused);
                    }

                    @Override
                    public void primaryChanged() {
                        metrics.primaryChanged();
                    }
                });
        return Optional.of(HealthMonitor.start(
                runtime.topologyHolder(),
                monitorSettings(config),
                (backend, state) -> {
                    metrics.stateChanged();
                    if (state == BackendState.DOWN) {
                        // What sits idle there is as dead as the server, and a server shutting down may wait for
                        // it to close (MySQL, 10 s): nobody may be handed it, and idle sessions let it go.
                        BackendPool pool = runtime.pools().find(backend);
                        if (pool != null) {
                            pool.closeIdle();
                        }
                        runtime.sessions().backendDown(backend);
                    }
                },
                () -> {
                    primary.evaluate();
                    if (primaryWritable(runtime)) {
                        runtime.primaryBuffer().primaryMaybeBack();
                    }
                }));
    }

    /**
     * Global consistency's primary position lookups: on a thread of their own with the monitor account
     * (Connector/J, as the health checks), so that no event loop blocks and no session's pooled primary
     * connection is borrowed for other sessions' reads. Without a monitor user every lookup fails, and
     * global-consistency reads go to the primary.
     */
    static PrimaryPositions primaryPositions(
            AtomicReference<ProxyConfig> configuration, TopologyHolder topology, ProxyMetrics metrics) {
        ProxyConfig config = configuration.get();
        if (config.monitor().user().isBlank()) {
            log.warn("no monitor user (mysql-proxy.monitor.user): consistency = global reads go to the primary");
        }
        ConsistencyMeters meters = metrics.consistency();
        return PrimaryPositions.start(
                new PrimaryGtidReader(() -> topology.current().primary(), monitorSettings(config)),
                () -> configuration.get().routing().consistencyLookupInterval(),
                new PrimaryPositions.Listener() {
                    @Override
                    public void lookedUp(int reads) {
                        meters.lookedUp(reads);
                    }

                    @Override
                    public void failed(int reads) {
                        meters.lookupFailed(reads);
                    }
                });
    }

    /** Whether the primary's last check found it writable and writes may go to it. */
    private static boolean primaryWritable(ProxyRuntime runtime) {
        Topology topology = runtime.topology();
        return topology.condition(topology.primary()).writability() == Writability.WRITABLE
                && runtime.writeGate().open();
    }

    /**
     * The admin port's {@code /metrics} body: the registry's scrape, with the top digests' meters chosen
     * again first, at most every {@link #QUERY_METERS_INTERVAL}.
     */
    static Supplier<String> scrapeWithQueryMeters(ProxyRuntime runtime) {
        QueryStatsMeters meters =
                new QueryStatsMeters(runtime.queryStats(), runtime.metrics().registry(), QUERY_METERS_INTERVAL);
        return () -> {
            meters.refreshIfDue();
            return runtime.metrics().scrape();
        };
    }
}

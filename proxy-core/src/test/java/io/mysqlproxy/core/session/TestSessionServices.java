package io.mysqlproxy.core.session;

import io.mysqlproxy.core.auth.ClientAuthentication;
import io.mysqlproxy.core.auth.FailedLogins;
import io.mysqlproxy.core.auth.RsaKeys;
import io.mysqlproxy.core.auth.Sha2AuthCache;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.config.Balancer;
import io.mysqlproxy.core.config.Consistency;
import io.mysqlproxy.core.config.Multiplexing;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.health.PrimaryPositions;
import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.pool.BackendPools;
import io.mysqlproxy.core.pool.ConnectionPool;
import io.mysqlproxy.core.pool.PoolSettings;
import io.mysqlproxy.core.pool.PrimaryOutageBuffer;
import io.mysqlproxy.core.route.ReplicaBalancer;
import io.mysqlproxy.core.route.RouteReason;
import io.mysqlproxy.core.route.Router;
import io.mysqlproxy.core.stats.QueryStats;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.WriteGate;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The proxy around a session under test: a fixed topology whose pools are {@link FakeConnectionPool}s,
 * the real router and balancer (round robin, so that the replica a read goes to is known), the
 * given consistency for every user (eventual unless a test asks otherwise: then no GTID waits), and
 * the configured users, checked with mysql_native_password, of whom only those made admins may run
 * the proxy's admin statements.
 */
final class TestSessionServices implements SessionServices {

    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final Topology topology;
    private final Map<Backend, FakeConnectionPool> pools = new IdentityHashMap<>();
    private final Map<String, UserAccount> users = new HashMap<>();
    private final Set<String> admins = new HashSet<>();
    private final FailedLogins failedLogins = new FailedLogins(new ProxyConfig.FailedLogins(
            100, Duration.ofMinutes(10), 3, Duration.ofSeconds(1), Duration.ofSeconds(8), 100));
    private final Router router = new Router(false);
    private final ReplicaBalancer balancer;
    private final ProxyConfig.Routing routing = new ProxyConfig.Routing(
            Consistency.EVENTUAL,
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            Duration.ZERO,
            false,
            true,
            Balancer.ROUND_ROBIN);
    private final WriteGate writeGate = new WriteGate();
    private final SessionRegistry sessions = new SessionRegistry();
    private final QueryStats queryStats = new QueryStats(true, 1000);
    private final BackendPools backendPools = new BackendPools(
            new BackendConnector(() -> NioSocketChannel.class, Duration.ofSeconds(1), Duration.ofSeconds(1)),
            new PoolSettings(10, Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofSeconds(1)));
    private final ProxyMetrics metrics;
    private final Consistency consistency;
    private final AtomicReference<ProxyConfig.OutageBuffer> outageBuffer =
            new AtomicReference<>(new ProxyConfig.OutageBuffer(Duration.ofSeconds(10), 1000));
    private final PrimaryOutageBuffer primaryBuffer;
    private final ProxyConfig.SessionLimits sessionLimits;
    /** The primary's position as global consistency's lookups read it; null: the lookup fails. */
    private volatile String primaryPosition = "";

    private final PrimaryPositions primaryPositions;

    TestSessionServices(Topology topology, boolean deprecateEof, Consistency consistency) {
        this(topology, deprecateEof, consistency, DEFAULT_LIMITS);
    }

    /** reference.conf's session limits. */
    static final ProxyConfig.SessionLimits DEFAULT_LIMITS = new ProxyConfig.SessionLimits(1024, 1 << 20, 64 << 10);

    TestSessionServices(
            Topology topology, boolean deprecateEof, Consistency consistency, ProxyConfig.SessionLimits limits) {
        this.sessionLimits = limits;
        this.topology = topology;
        this.consistency = consistency;
        for (Backend backend : topology.all()) {
            pools.put(backend, new FakeConnectionPool(backend, deprecateEof));
        }
        this.balancer = new ReplicaBalancer(
                Balancer.ROUND_ROBIN, backend -> pools.get(backend).load().outstanding());
        this.metrics = metrics(topology);
        topology.all().forEach(metrics::register);
        this.primaryBuffer = new PrimaryOutageBuffer(outageBuffer::get, metrics);
        // Lookups run at once on the asking thread: a read learns the position as it asks.
        this.primaryPositions = new PrimaryPositions(
                new PrimaryPositions.Source() {
                    @Override
                    public String read() throws SQLException {
                        String position = primaryPosition;
                        if (position == null) {
                            throw new SQLException("the primary does not answer");
                        }
                        return position;
                    }

                    @Override
                    public void close() {}
                },
                Runnable::run,
                () -> Duration.ZERO,
                new PrimaryPositions.Listener() {
                    @Override
                    public void lookedUp(int reads) {
                        metrics.consistency().lookedUp(reads);
                    }

                    @Override
                    public void failed(int reads) {
                        metrics.consistency().lookupFailed(reads);
                    }
                });
    }

    /** What global consistency's next lookups read as the primary's position; null: they fail. */
    void primaryPosition(String position) {
        primaryPosition = position;
    }

    /** Statements wait for an away primary up to {@code window}, at most {@code maxWaiting} of them. */
    void outageBuffer(Duration window, int maxWaiting) {
        outageBuffer.set(new ProxyConfig.OutageBuffer(window, maxWaiting));
    }

    /** The one place a test builds {@link ProxyMetrics}. */
    private static ProxyMetrics metrics(Topology topology) {
        return new ProxyMetrics(() -> topology, new AtomicInteger(), RouteReason.class, RouteReason::label, List.of());
    }

    void addUser(String name, String password) {
        addUser(new UserAccount(name, password, Optional.of(AuthPlugin.MYSQL_NATIVE_PASSWORD)));
    }

    /** Any account, e.g. one learned from the servers. */
    void addUser(UserAccount account) {
        users.put(account.name(), account);
    }

    /** Lets {@code name} run the proxy's admin statements. */
    void makeAdmin(String name) {
        admins.add(name);
    }

    FakeConnectionPool fakePool(Backend backend) {
        return pools.get(backend);
    }

    void close() {
        metrics.close();
    }

    @Override
    public Topology topology() {
        return topology;
    }

    @Override
    public ConnectionPool pool(Backend backend) {
        return pools.get(backend);
    }

    @Override
    public WriteGate writeGate() {
        return writeGate;
    }

    @Override
    public PrimaryOutageBuffer primaryBuffer() {
        return primaryBuffer;
    }

    @Override
    public ProxyConfig.SessionLimits sessionLimits() {
        return sessionLimits;
    }

    @Override
    public Router router() {
        return router;
    }

    @Override
    public ReplicaBalancer balancer() {
        return balancer;
    }

    @Override
    public ProxyConfig.Routing routing() {
        return routing;
    }

    @Override
    public PrimaryPositions primaryPositions() {
        return primaryPositions;
    }

    /** Native passwords only: the RSA keys of caching_sha2_password's full authentication are never reached. */
    @Override
    public ClientAuthentication authentication(byte[] nonce, String clientHost) {
        return new ClientAuthentication(
                name -> Optional.ofNullable(users.get(name)),
                new Sha2AuthCache(),
                LazyRsa.KEYS,
                nonce,
                clientHost,
                AuthPlugin.MYSQL_NATIVE_PASSWORD);
    }

    @Override
    public Consistency consistencyOf(String user) {
        return consistency;
    }

    @Override
    public boolean isAdmin(String user) {
        return admins.contains(user);
    }

    @Override
    public FailedLogins failedLogins() {
        return failedLogins;
    }

    @Override
    public BackendPools pools() {
        return backendPools;
    }

    @Override
    public ProxyMetrics metrics() {
        return metrics;
    }

    @Override
    public Duration handshakeTimeout() {
        return HANDSHAKE_TIMEOUT;
    }

    private Duration returnAfterIdle = Duration.ZERO;

    @Override
    public Duration returnAfterIdle() {
        return returnAfterIdle;
    }

    void returnAfterIdle(Duration returnAfterIdle) {
        this.returnAfterIdle = returnAfterIdle;
    }

    /** Idle unless a test starts its session with another mode ({@link SessionRig#multiplexed}). */
    private Multiplexing multiplexing = Multiplexing.IDLE;

    void multiplexing(Multiplexing multiplexing) {
        this.multiplexing = multiplexing;
    }

    @Override
    public Multiplexing multiplexing() {
        return multiplexing;
    }

    /** None unless a test starts its session with one ({@link SessionRig#multiplexed(int, int)}). */
    private int preparedStatementCache;

    void preparedStatementCache(int capacity) {
        this.preparedStatementCache = capacity;
    }

    @Override
    public int preparedStatementCache() {
        return preparedStatementCache;
    }

    @Override
    public SessionRegistry sessions() {
        return sessions;
    }

    @Override
    public QueryStats queryStats() {
        return queryStats;
    }

    /** Keys generated once, and only if a test authenticates at all. */
    private static final class LazyRsa {
        static final RsaKeys KEYS = RsaKeys.generate();
    }
}

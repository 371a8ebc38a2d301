package io.mysqlproxy.core.config;

import io.mysqlproxy.protocol.auth.AuthPlugin;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The validated configuration; see {@code reference.conf} for what each value means. */
public record ProxyConfig(
        String listenHost,
        int listenPort,
        Admin admin,
        int eventLoopThreads,
        String serverVersion,
        Backends backends,
        Map<String, UserAccount> users,
        Credentials monitor,
        Client client,
        Routing routing,
        Health health,
        Discovery discovery,
        Duration drainTimeout,
        Duration reloadWatchInterval,
        SessionLimits session,
        Accounts accounts,
        QueryStatsSettings stats) {

    /**
     * Per-digest statement statistics ({@code stats}): whether statements are recorded ({@code queries}) and
     * how many digests are kept at most ({@code max-digests}, least recently seen evicted). Read at start-up.
     */
    public record QueryStatsSettings(boolean queries, int maxDigests) {}

    /**
     * Where users come from ({@code user-source}) and, when the servers' accounts are read, how often:
     * every {@code refreshInterval}, and on a login of an unknown user at most once per {@code refreshMinInterval}.
     */
    public record Accounts(UserSource source, Duration refreshInterval, Duration refreshMinInterval) {}

    /**
     * What one client session may keep in the proxy's heap: its prepared statements (count, and bytes
     * of SQL text kept to prepare them again on other connections) and the bytes of its SET replay log.
     */
    public record SessionLimits(int maxPreparedStatements, long maxPreparedStatementBytes, long maxReplayedSetBytes) {}

    /**
     * The admin HTTP server: where it listens, and the bearer token {@code /backends} asks for (empty: none).
     * The token is never printed.
     */
    public record Admin(String host, int port, Optional<String> token) {
        @Override
        public String toString() {
            return "Admin[" + host + ":" + port + (token.isPresent() ? ", token" : "") + "]";
        }
    }

    /** Backend health checks, with the monitor account. */
    public record Health(
            Duration interval, Duration timeout, Duration maxReplicationLag, int ejectAfter, int readmitAfter) {}

    /** Where replicas come from: {@code backends.replicas}, or a Kubernetes Service's endpoints. */
    public record Discovery(DiscoveryMode mode, Kubernetes kubernetes) {}

    /**
     * The Service whose endpoints are the database pods. An empty namespace means the proxy's own;
     * the port is the one named {@code portName} in the endpoints, else {@code port}. An endpoint
     * counts only if it names a pod {@code <statefulSet>-<ordinal>} that, unless {@code podLabel}
     * is empty, carries the label {@code podLabel} ("key=value").
     */
    public record Kubernetes(
            String namespace, String service, String portName, int port, String statefulSet, String podLabel) {}

    /** {@code weights} holds every replica's weight (1 unless configured). */
    public record Backends(
            HostPort primary,
            PrimaryMode primaryMode,
            List<HostPort> replicas,
            Map<HostPort, Integer> weights,
            Duration connectTimeout,
            Duration handshakeTimeout,
            Pool pool,
            OutageBuffer primaryOutageBuffer,
            PasswordExchange passwordExchange,
            BackendTls tls) {}

    /**
     * What the proxy may do when a server asks for a password in full (caching_sha2_password's full
     * authentication) over a connection without TLS: encrypt it with the pinned {@code serverPublicKey},
     * else with the key the server sends if {@code allowPublicKeyRetrieval}, else nothing (the login fails).
     */
    public record PasswordExchange(boolean allowPublicKeyRetrieval, Optional<ServerPublicKey> serverPublicKey) {}

    /** The servers' RSA public key, read and parsed from {@code file} at start. */
    public record ServerPublicKey(Path file, PublicKey key) {}
    /**
     * TLS from the proxy to the backends: the {@code mode}, the CA bundle that verify-ca and
     * verify-identity check the server's certificate against, an optional client certificate and key
     * (both or neither; PEM files), and the TLS versions offered (JSSE names).
     */
    public record BackendTls(
            BackendTlsMode mode,
            Optional<Path> ca,
            Optional<Path> certificate,
            Optional<Path> privateKey,
            List<String> protocols) {

        /** No TLS to backends. */
        public static BackendTls disabled() {
            return new BackendTls(
                    BackendTlsMode.DISABLED,
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    List.of("TLSv1.2", "TLSv1.3"));
        }
    }

    /**
     * How statements that need the primary wait while it is away: up to {@code window} (zero: they fail at
     * once), at most {@code maxWaiting} of them at a time across the proxy.
     */
    public record OutageBuffer(Duration window, int maxWaiting) {
        public boolean enabled() {
            return !window.isZero() && maxWaiting > 0;
        }
    }

    /**
     * Per-backend connection pools. {@code returnAfterIdle}: a session idle this long gives back the
     * connections that hold nothing of its own (zero: never, they stay until the session ends).
     * {@code multiplexing}: {@link Multiplexing#TRANSACTION} gives them back at every transaction boundary.
     * {@code preparedStatementCache}: under it, the prepared statements each connection keeps for its next
     * borrowers (0: none, each session prepares its own and closes another's).
     */
    public record Pool(
            int maxConnections,
            Duration idleTimeout,
            Duration borrowTimeout,
            Duration returnAfterIdle,
            int maxIdlePerKey,
            Duration excessIdleTimeout,
            int maxPerUserPercent,
            Multiplexing multiplexing,
            int preparedStatementCache) {

        /** The prepared statements a connection keeps by default (backends.pool.prepared-statement-cache). */
        public static final int DEFAULT_PREPARED_STATEMENT_CACHE = 16;

        /** With the default prepared-statement cache. */
        public Pool(
                int maxConnections,
                Duration idleTimeout,
                Duration borrowTimeout,
                Duration returnAfterIdle,
                int maxIdlePerKey,
                Duration excessIdleTimeout,
                int maxPerUserPercent,
                Multiplexing multiplexing) {
            this(
                    maxConnections,
                    idleTimeout,
                    borrowTimeout,
                    returnAfterIdle,
                    maxIdlePerKey,
                    excessIdleTimeout,
                    maxPerUserPercent,
                    multiplexing,
                    DEFAULT_PREPARED_STATEMENT_CACHE);
        }

        /** Without multiplexing at transaction boundaries (the idle return only). */
        public Pool(
                int maxConnections,
                Duration idleTimeout,
                Duration borrowTimeout,
                Duration returnAfterIdle,
                int maxIdlePerKey,
                Duration excessIdleTimeout,
                int maxPerUserPercent) {
            this(
                    maxConnections,
                    idleTimeout,
                    borrowTimeout,
                    returnAfterIdle,
                    maxIdlePerKey,
                    excessIdleTimeout,
                    maxPerUserPercent,
                    Multiplexing.IDLE);
        }

        /** Connections one user may have in use per backend: its percentage of the pool, at least one; 100: no bound. */
        public int maxPerUser() {
            return maxPerUserPercent >= 100
                    ? Integer.MAX_VALUE
                    : Math.max(1, (int) ((long) maxConnections * maxPerUserPercent / 100));
        }
    }

    /**
     * Read/write splitting. {@code consistencyLookupInterval}: the least time between two starts of global
     * consistency's primary position lookups.
     */
    public record Routing(
            Consistency consistency,
            Duration consistencyWaitTimeout,
            Duration consistencyCooldown,
            Duration consistencyLookupInterval,
            boolean readOnlyTransactionsOnReplica,
            boolean readsFallBackToPrimary,
            Balancer balancer) {}

    public record Client(
            int maxConnections,
            Duration handshakeTimeout,
            Duration idleTimeout,
            Duration interactiveTimeout,
            long maxAllowedPacket,
            Optional<AuthPlugin> defaultAuthPlugin,
            Tls tls,
            RsaKeys rsa,
            BeforeLogin beforeLogin,
            FailedLogins failedLogins) {}

    /**
     * Failed-login defence per client address: after {@code delayAfter} consecutive failures each
     * login is answered {@code delay} late, doubling per further failure up to {@code maxDelay};
     * after {@code maxConnectErrors} the address is refused (1129) for {@code hostBlockTime}.
     * At most {@code maxTrackedHosts} addresses are remembered.
     */
    public record FailedLogins(
            int maxConnectErrors,
            Duration hostBlockTime,
            int delayAfter,
            Duration delay,
            Duration maxDelay,
            int maxTrackedHosts) {}

    /**
     * What a client not yet logged in may hold: {@code maxPacket} bytes per packet, and a place among
     * at most {@code maxHandshakes} connections in the handshake, {@code maxHandshakesPerAddress} from
     * one client address.
     */
    public record BeforeLogin(int maxPacket, int maxHandshakes, int maxHandshakesPerAddress) {}

    /**
     * Client-side TLS: off, or on with a configured or generated certificate, in the {@code protocols}
     * named (JSSE names); {@code requireSecureTransport} refuses logins without it, as MySQL's
     * require_secure_transport.
     */
    public record Tls(
            boolean enabled,
            Optional<Path> certificate,
            Optional<Path> privateKey,
            boolean requireSecureTransport,
            List<String> protocols) {}

    /** Key files for caching_sha2_password's RSA exchange; empty means generate at start-up. */
    public record RsaKeys(Optional<Path> privateKey, Optional<Path> publicKey) {}

    /** A user name and password, e.g. the monitor's; never printed. */
    public record Credentials(String user, String password) {
        @Override
        public String toString() {
            return "Credentials[" + user + "]";
        }
    }

    public Optional<UserAccount> user(String name) {
        return Optional.ofNullable(users.get(name));
    }
}

package io.mysqlproxy.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.mysqlproxy.protocol.wire.Packets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Loads the configuration: environment variables over the application file over
 * {@code reference.conf}, then validates it. Every failure is an {@link InvalidConfigException}
 * that names the key.
 */
public final class ConfigLoader {

    static final String ROOT = "mysql-proxy";
    /** A label key (an optional DNS prefix and "/", then a name) and a value that may be empty. */
    private static final Pattern POD_LABEL =
            Pattern.compile("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
                    + "=([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");

    /** The environment variables a container sets, and the keys they override. */
    static final Map<String, String> ENVIRONMENT_KEYS = Map.ofEntries(
            Map.entry("MYSQL_PROXY_PORT", ROOT + ".listen.port"),
            Map.entry("MYSQL_PROXY_ADMIN_PORT", ROOT + ".admin.port"),
            Map.entry("MYSQL_PROXY_ADMIN_HOST", ROOT + ".admin.host"),
            Map.entry("MYSQL_PROXY_ADMIN_TOKEN", ROOT + ".admin.token"),
            Map.entry("MYSQL_PROXY_PRIMARY", ROOT + ".backends.primary"),
            Map.entry("MYSQL_PROXY_REPLICAS", ROOT + ".backends.replicas"),
            Map.entry("MYSQL_PROXY_DISCOVERY", ROOT + ".discovery.mode"),
            Map.entry("MYSQL_PROXY_MULTIPLEXING", ROOT + ".backends.pool.multiplexing"),
            Map.entry("MYSQL_PROXY_BACKEND_TLS_MODE", ROOT + ".backends.tls.mode"),
            Map.entry("MYSQL_PROXY_MONITOR_USER", ROOT + ".monitor.user"),
            Map.entry("MYSQL_PROXY_MONITOR_PASSWORD", ROOT + ".monitor.password"),
            Map.entry("MYSQL_PROXY_USER_SOURCE", ROOT + ".user-source"),
            Map.entry("MYSQL_PROXY_QUERY_STATS", ROOT + ".stats.queries"));

    private ConfigLoader() {}

    /** Loads from the process environment. */
    public static ProxyConfig load(Optional<Path> file) {
        return load(file, System.getenv());
    }

    public static ProxyConfig load(Optional<Path> file, Map<String, String> environment) {
        return validate(merge(file, environment), environment);
    }

    /** Environment over file over reference, resolved but not yet validated. */
    static Config merge(Optional<Path> file, Map<String, String> environment) {
        // Our own class loader, not the thread's: a reload runs on a thread started from a signal
        // handler, which has no context class loader.
        Config reference = ConfigFactory.defaultReference(ConfigLoader.class.getClassLoader());
        Config application = ConfigFactory.empty();
        if (file.isPresent()) {
            Path path = file.get();
            if (!Files.isRegularFile(path)) {
                throw new InvalidConfigException("--config", "no such file: " + path);
            }
            try {
                application = ConfigFactory.parseFile(
                        path.toFile(),
                        ConfigParseOptions.defaults()
                                .setAllowMissing(false)
                                .setClassLoader(ConfigLoader.class.getClassLoader()));
            } catch (ConfigException e) {
                throw new InvalidConfigException(
                        e.origin() == null ? path.toString() : e.origin().description(), e.getMessage(), e);
            }
        }
        Map<String, Object> overrides = new HashMap<>();
        ENVIRONMENT_KEYS.forEach((variable, key) -> {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                overrides.put(key, value.trim());
            }
        });
        try {
            return ConfigFactory.parseMap(overrides, "environment")
                    .withFallback(application)
                    .withFallback(reference)
                    .resolve();
        } catch (ConfigException e) {
            throw new InvalidConfigException(ROOT, e.getMessage(), e);
        }
    }

    private static ProxyConfig validate(Config config, Map<String, String> environment) {
        Config root = config.getConfig(ROOT);
        ConfigValueReader read = new ConfigValueReader(root);
        String listenHost = read.string("listen.host");
        int listenPort = read.port("listen.port");
        int adminPort = read.port("admin.port");
        if (adminPort == listenPort) {
            throw new InvalidConfigException(ROOT + ".admin.port", "must differ from listen.port (" + listenPort + ")");
        }
        ProxyConfig.Admin admin =
                new ProxyConfig.Admin(read.nonEmptyString("admin.host"), adminPort, AdminTokenReader.read(read));
        int threads = read.intAtLeast("event-loop-threads", 0);
        String serverVersion = read.string("server-version");

        List<HostPort> replicas = read.hostPortList("backends.replicas");
        ProxyConfig.Backends backends = new ProxyConfig.Backends(
                read.hostPort("backends.primary"),
                read.choice("backends.primary-mode", PrimaryMode::parse),
                replicas,
                read.weights("backends.weights", replicas),
                read.positiveDuration("backends.connect-timeout"),
                read.positiveDuration("backends.handshake-timeout"),
                new ProxyConfig.Pool(
                        read.intAtLeast("backends.pool.max-connections", 1),
                        read.positiveDuration("backends.pool.idle-timeout"),
                        read.positiveDuration("backends.pool.borrow-timeout"),
                        read.duration("backends.pool.return-after-idle", false),
                        read.intAtLeast("backends.pool.max-idle-per-key", 0),
                        read.positiveDuration("backends.pool.excess-idle-timeout"),
                        read.intBetween("backends.pool.max-per-user-percent", 1, 100),
                        read.choice("backends.pool.multiplexing", Multiplexing::parse),
                        read.intAtLeast("backends.pool.prepared-statement-cache", 0)),
                new ProxyConfig.OutageBuffer(
                        read.duration("backends.primary-outage-buffer", false),
                        read.intAtLeast("backends.primary-outage-buffer-max-waiting", 0)),
                new ProxyConfig.PasswordExchange(
                        read.bool("backends.allow-public-key-retrieval"),
                        read.optionalFile("backends.server-public-key").map(ConfigLoader::serverPublicKey)),
                backendTls(read));
        ProxyConfig.Routing routing = new ProxyConfig.Routing(
                read.choice("routing.consistency", Consistency::parse),
                read.positiveDuration("routing.consistency-wait-timeout"),
                read.positiveDuration("routing.consistency-cooldown"),
                read.duration("routing.consistency-lookup-interval", false),
                read.bool("routing.read-only-transactions-on-replica"),
                read.bool("routing.reads-fall-back-to-primary"),
                read.choice("routing.balancer", Balancer::parse));
        if (routing.consistencyLookupInterval().compareTo(routing.consistencyWaitTimeout()) >= 0) {
            // Reads would time out waiting for the next lookup.
            throw new InvalidConfigException(
                    ROOT + ".routing.consistency-lookup-interval",
                    "must be shorter than routing.consistency-wait-timeout");
        }

        ProxyConfig.Accounts accounts = new ProxyConfig.Accounts(
                read.choice("user-source", UserSource::parse),
                read.positiveDuration("user-refresh-interval"),
                read.positiveDuration("user-refresh-min-interval"));
        Map<String, UserAccount> users = UserAccountsReader.read(root, environment, accounts.source());
        ProxyConfig.Credentials monitor =
                new ProxyConfig.Credentials(read.string("monitor.user"), read.string("monitor.password"));

        long maxPacket = read.bytes("client.max-allowed-packet");
        if (maxPacket < 1024 || maxPacket > 1L << 30) {
            throw new InvalidConfigException(ROOT + ".client.max-allowed-packet", "must be between 1KiB and 1GiB");
        }
        ProxyConfig.Client client = new ProxyConfig.Client(
                read.intAtLeast("client.max-connections", 1),
                read.positiveDuration("client.handshake-timeout"),
                read.positiveDuration("client.idle-timeout"),
                read.positiveDuration("client.interactive-timeout"),
                maxPacket,
                read.authPlugin("client.default-auth-plugin"),
                new ProxyConfig.Tls(
                        read.bool("client.tls.enabled"),
                        read.optionalFile("client.tls.certificate"),
                        read.optionalFile("client.tls.private-key"),
                        read.bool("client.tls.require-secure-transport"),
                        read.tlsProtocols("client.tls.protocols")),
                new ProxyConfig.RsaKeys(
                        read.optionalFile("client.rsa.private-key"), read.optionalFile("client.rsa.public-key")),
                beforeLogin(read),
                new ProxyConfig.FailedLogins(
                        read.intAtLeast("client.max-connect-errors", 1),
                        read.positiveDuration("client.host-block-time"),
                        read.intAtLeast("client.failed-login-delay-after", 0),
                        read.duration("client.failed-login-delay", false),
                        read.duration("client.failed-login-max-delay", false),
                        read.intAtLeast("client.failed-login-max-hosts", 1)));
        if (client.tls().requireSecureTransport() && !client.tls().enabled()) {
            throw new InvalidConfigException(
                    ROOT + ".client.tls.require-secure-transport", "needs client.tls.enabled = true");
        }
        read.bothOrNeither("client.tls.certificate", "client.tls.private-key");
        read.bothOrNeither("client.rsa.private-key", "client.rsa.public-key");

        ProxyConfig.Health health = new ProxyConfig.Health(
                read.positiveDuration("health.interval"),
                read.positiveDuration("health.timeout"),
                read.positiveDuration("health.max-replication-lag"),
                read.intAtLeast("health.eject-after", 1),
                read.intAtLeast("health.readmit-after", 1));
        ProxyConfig.Discovery discovery = new ProxyConfig.Discovery(
                read.choice("discovery.mode", DiscoveryMode::parse),
                new ProxyConfig.Kubernetes(
                        read.string("discovery.kubernetes.namespace").trim(),
                        read.nonEmptyString("discovery.kubernetes.service"),
                        read.string("discovery.kubernetes.port-name").trim(),
                        read.port("discovery.kubernetes.port"),
                        read.nonEmptyString("discovery.kubernetes.statefulset"),
                        podLabel(read.string("discovery.kubernetes.pod-label").trim())));
        if (accounts.source().readsServers() && monitor.user().isBlank()) {
            throw new InvalidConfigException(
                    ROOT + ".monitor.user",
                    "is required with user-source = " + accounts.source().label()
                            + ": the accounts are read from the primary's mysql.user with the monitor account");
        }
        if (discovery.mode() == DiscoveryMode.KUBERNETES && !replicas.isEmpty()) {
            throw new InvalidConfigException(
                    ROOT + ".backends.replicas",
                    "must be empty with discovery.mode = kubernetes: the replicas are the service's endpoints");
        }
        return new ProxyConfig(
                listenHost,
                listenPort,
                admin,
                threads,
                serverVersion,
                backends,
                users,
                monitor,
                client,
                routing,
                health,
                discovery,
                read.positiveDuration("shutdown.drain-timeout"),
                read.duration("reload.watch-interval", false),
                new ProxyConfig.SessionLimits(
                        read.intAtLeast("session.max-prepared-statements", 1),
                        read.bytesAtLeast("session.max-prepared-statement-bytes", 1024),
                        read.bytesAtLeast("session.max-replayed-set-bytes", 1024)),
                accounts,
                new ProxyConfig.QueryStatsSettings(
                        read.bool("stats.queries"), read.intAtLeast("stats.max-digests", 1)));
    }

    /** Empty, or one label as Kubernetes spells it: {@code [prefix/]name=value}, the value possibly empty. */
    private static String podLabel(String label) {
        if (!label.isEmpty() && !POD_LABEL.matcher(label).matches()) {
            throw new InvalidConfigException(
                    ROOT + ".discovery.kubernetes.pod-label",
                    "must be empty or one label as key=value (such as app.kubernetes.io/name=mysql), not \"" + label
                            + "\"");
        }
        return label;
    }

    /** Read once at start: a file that is not an RSA public key in PEM form stops the proxy here. */
    private static ProxyConfig.ServerPublicKey serverPublicKey(Path file) {
        try {
            return new ProxyConfig.ServerPublicKey(file, RsaPasswordCipher.fromPem(Files.readString(file)));
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidConfigException(
                    ROOT + ".backends.server-public-key",
                    "no RSA public key in PEM form in " + file + ": " + e.getMessage(),
                    e);
        }
    }

    private static ProxyConfig.BackendTls backendTls(ConfigValueReader read) {
        ProxyConfig.BackendTls tls = new ProxyConfig.BackendTls(
                read.choice("backends.tls.mode", BackendTlsMode::parse),
                read.optionalFile("backends.tls.ca"),
                read.optionalFile("backends.tls.certificate"),
                read.optionalFile("backends.tls.private-key"),
                read.tlsProtocols("backends.tls.protocols"));
        if (tls.mode().verifiesCertificate() && tls.ca().isEmpty()) {
            throw new InvalidConfigException(
                    ROOT + ".backends.tls.ca",
                    "is required with backends.tls.mode = " + tls.mode().label()
                            + ": the PEM file of the CA(s) that signed the servers' certificates");
        }
        read.bothOrNeither("backends.tls.certificate", "backends.tls.private-key");
        return tls;
    }

    private static ProxyConfig.BeforeLogin beforeLogin(ConfigValueReader read) {
        long maxPacket = read.bytes("client.max-packet-before-login");
        // Below 4 KiB a handshake response with connection attributes or an RSA-encrypted password may not fit.
        if (maxPacket < 4096 || maxPacket > Packets.MAX_PAYLOAD) {
            throw new InvalidConfigException(
                    ROOT + ".client.max-packet-before-login", "must be between 4KiB and 16MiB - 1");
        }
        return new ProxyConfig.BeforeLogin(
                (int) maxPacket,
                read.intAtLeast("client.max-handshakes", 1),
                read.intAtLeast("client.max-handshakes-per-address", 1));
    }
}

package io.mysqlproxy.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.mysqlproxy.protocol.auth.AuthPlugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads the configuration: environment variables over the application file over
 * {@code reference.conf}, then validates it. Every failure is an {@link InvalidConfigException}
 * that names the key.
 */
public final class ConfigLoader {

    private static final String ROOT = "mysql-proxy";

    /** The environment variables a container sets, and the keys they override. */
    static final Map<String, String> ENVIRONMENT_KEYS = Map.of(
            "MYSQL_PROXY_PORT", ROOT + ".listen.port",
            "MYSQL_PROXY_ADMIN_PORT", ROOT + ".admin.port",
            "MYSQL_PROXY_PRIMARY", ROOT + ".backends.primary",
            "MYSQL_PROXY_REPLICAS", ROOT + ".backends.replicas",
            "MYSQL_PROXY_DISCOVERY", ROOT + ".discovery.mode",
            "MYSQL_PROXY_MONITOR_USER", ROOT + ".monitor.user",
            "MYSQL_PROXY_MONITOR_PASSWORD", ROOT + ".monitor.password");

    private ConfigLoader() {
    }

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
                application = ConfigFactory.parseFile(path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)
                        .setClassLoader(ConfigLoader.class.getClassLoader()));
            } catch (ConfigException e) {
                throw new InvalidConfigException(e.origin() == null ? path.toString() : e.origin().description(),
                        e.getMessage(), e);
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
        ValueReader read = new ValueReader(root);
        String listenHost = read.string("listen.host");
        int listenPort = read.port("listen.port");
        int adminPort = read.port("admin.port");
        if (adminPort == listenPort) {
            throw new InvalidConfigException(ROOT + ".admin.port", "must differ from listen.port (" + listenPort + ")");
        }
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
                new ProxyConfig.Pool(read.intAtLeast("backends.pool.max-connections", 1),
                        read.positiveDuration("backends.pool.idle-timeout"),
                        read.positiveDuration("backends.pool.borrow-timeout"),
                        read.duration("backends.pool.return-after-idle", false)));
        ProxyConfig.Routing routing = new ProxyConfig.Routing(
                read.choice("routing.consistency", Consistency::parse),
                read.positiveDuration("routing.consistency-wait-timeout"),
                read.positiveDuration("routing.consistency-cooldown"),
                read.bool("routing.read-only-transactions-on-replica"),
                read.bool("routing.reads-fall-back-to-primary"),
                read.choice("routing.balancer", Balancer::parse));

        Map<String, UserAccount> users = readUsers(root, environment);
        ProxyConfig.Credentials monitor = new ProxyConfig.Credentials(
                read.string("monitor.user"), read.string("monitor.password"));

        long maxPacket = read.bytes("client.max-allowed-packet");
        if (maxPacket < 1024 || maxPacket > 1L << 30) {
            throw new InvalidConfigException(ROOT + ".client.max-allowed-packet", "must be between 1KiB and 1GiB");
        }
        ProxyConfig.Client client = new ProxyConfig.Client(
                read.intAtLeast("client.max-connections", 1),
                read.positiveDuration("client.handshake-timeout"),
                read.positiveDuration("client.idle-timeout"),
                maxPacket,
                read.authPlugin("client.default-auth-plugin"),
                new ProxyConfig.Tls(read.bool("client.tls.enabled"),
                        read.optionalFile("client.tls.certificate"), read.optionalFile("client.tls.private-key")),
                new ProxyConfig.RsaKeys(read.optionalFile("client.rsa.private-key"),
                        read.optionalFile("client.rsa.public-key")));
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
                new ProxyConfig.Kubernetes(read.string("discovery.kubernetes.namespace").trim(),
                        read.nonEmptyString("discovery.kubernetes.service"),
                        read.string("discovery.kubernetes.port-name").trim(),
                        read.port("discovery.kubernetes.port")));
        if (discovery.mode() == DiscoveryMode.KUBERNETES && !replicas.isEmpty()) {
            throw new InvalidConfigException(ROOT + ".backends.replicas",
                    "must be empty with discovery.mode = kubernetes: the replicas are the service's endpoints");
        }
        return new ProxyConfig(listenHost, listenPort, adminPort, threads, serverVersion, backends, users,
                monitor, client, routing, health, discovery, read.positiveDuration("shutdown.drain-timeout"),
                read.duration("reload.watch-interval", false));
    }

    private static Map<String, UserAccount> readUsers(Config root, Map<String, String> environment) {
        Map<String, UserAccount> users = new LinkedHashMap<>();
        List<? extends ConfigObject> entries;
        try {
            entries = root.getObjectList("users");
        } catch (ConfigException e) {
            throw new InvalidConfigException(ROOT + ".users", "must be a list of {name, password, auth-plugin, consistency, admin}", e);
        }
        for (int i = 0; i < entries.size(); i++) {
            String key = ROOT + ".users[" + i + "]";
            Config entry = entries.get(i).toConfig();
            ValueReader read = new ValueReader(entry, key);
            String name = read.string("name");
            if (name.isEmpty()) {
                throw new InvalidConfigException(key + ".name", "must not be empty");
            }
            String password = entry.hasPath("password") ? read.string("password") : "";
            Optional<AuthPlugin> plugin = entry.hasPath("auth-plugin") ? read.authPlugin("auth-plugin")
                    : Optional.empty();
            Optional<Consistency> consistency = entry.hasPath("consistency")
                    ? Optional.of(read.choice("consistency", Consistency::parse)) : Optional.empty();
            boolean admin = entry.hasPath("admin") && read.bool("admin");
            if (users.put(name, new UserAccount(name, password, plugin, consistency, admin)) != null) {
                throw new InvalidConfigException(key + ".name", "user '" + name + "' is listed twice");
            }
        }
        String envUser = environment.get("MYSQL_PROXY_USER");
        if (envUser != null && !envUser.isBlank()) {
            String password = environment.getOrDefault("MYSQL_PROXY_PASSWORD", "");
            UserAccount listed = users.get(envUser.trim());
            users.put(envUser.trim(), new UserAccount(envUser.trim(), password,
                    listed == null ? Optional.empty() : listed.authPlugin(),
                    listed == null ? Optional.empty() : listed.consistency(),
                    listed != null && listed.admin()));
        } else if (environment.containsKey("MYSQL_PROXY_PASSWORD")) {
            throw new InvalidConfigException("MYSQL_PROXY_USER", "MYSQL_PROXY_PASSWORD is set but MYSQL_PROXY_USER is not");
        }
        if (users.isEmpty()) {
            throw new InvalidConfigException(ROOT + ".users",
                    "no application user: configure users or set MYSQL_PROXY_USER and MYSQL_PROXY_PASSWORD");
        }
        return Collections.unmodifiableMap(users);
    }

    /** Typed reads that turn any Typesafe error into one naming the full key. */
    private static final class ValueReader {
        private final Config config;
        private final String prefix;

        ValueReader(Config config) {
            this(config, ROOT);
        }

        ValueReader(Config config, String prefix) {
            this.config = config;
            this.prefix = prefix;
        }

        private String key(String path) {
            return prefix + "." + path;
        }

        private InvalidConfigException invalid(String path, String reason) {
            return new InvalidConfigException(key(path), reason);
        }

        String string(String path) {
            try {
                return config.getString(path);
            } catch (ConfigException.Missing e) {
                throw invalid(path, "is required");
            } catch (ConfigException e) {
                throw invalid(path, "must be a string");
            }
        }

        boolean bool(String path) {
            try {
                return config.getBoolean(path);
            } catch (ConfigException e) {
                throw invalid(path, "must be true or false");
            }
        }

        int intAtLeast(String path, int min) {
            int value;
            try {
                value = config.getInt(path);
            } catch (ConfigException e) {
                throw invalid(path, "must be a whole number");
            }
            if (value < min) {
                throw invalid(path, "must be at least " + min + ", got " + value);
            }
            return value;
        }

        int port(String path) {
            int value = intAtLeast(path, 0);
            if (value < 1 || value > 65535) {
                throw invalid(path, "must be a TCP port (1-65535), got " + value);
            }
            return value;
        }

        long bytes(String path) {
            try {
                return config.getBytes(path);
            } catch (ConfigException e) {
                throw invalid(path, "must be a size such as 64MiB");
            }
        }

        Duration positiveDuration(String path) {
            return duration(path, true);
        }

        /** A duration; zero only if not {@code positive}, never negative. */
        Duration duration(String path, boolean positive) {
            Duration value;
            try {
                value = config.getDuration(path);
            } catch (ConfigException e) {
                throw invalid(path, "must be a duration such as 5s");
            }
            if (value.isNegative() || (positive && value.isZero())) {
                throw invalid(path, positive ? "must be positive" : "must not be negative");
            }
            return value;
        }

        HostPort hostPort(String path) {
            try {
                return HostPort.parse(string(path));
            } catch (IllegalArgumentException e) {
                throw invalid(path, e.getMessage());
            }
        }

        List<HostPort> hostPortList(String path) {
            ConfigValue value = config.getValue(path);
            List<String> items = new ArrayList<>();
            if (value.valueType() == ConfigValueType.STRING) {
                for (String part : ((String) value.unwrapped()).split(",")) {
                    if (!part.isBlank()) {
                        items.add(part.trim());
                    }
                }
            } else {
                try {
                    items.addAll(config.getStringList(path));
                } catch (ConfigException e) {
                    throw invalid(path, "must be a list of host:port or a comma-separated string");
                }
            }
            List<HostPort> result = new ArrayList<>();
            for (String item : items) {
                try {
                    result.add(HostPort.parse(item));
                } catch (IllegalArgumentException e) {
                    throw invalid(path, e.getMessage());
                }
            }
            return List.copyOf(result);
        }

        /** An enumerated setting, read by {@code parse}, whose message says what the choices are. */
        <E> E choice(String path, java.util.function.Function<String, E> parse) {
            try {
                return parse.apply(string(path));
            } catch (IllegalArgumentException e) {
                throw invalid(path, e.getMessage());
            }
        }

        String nonEmptyString(String path) {
            String value = string(path).trim();
            if (value.isEmpty()) {
                throw invalid(path, "must not be empty");
            }
            return value;
        }

        /** Replica weights as {"host:port" = n}; each replica not listed weighs 1. */
        Map<HostPort, Integer> weights(String path, List<HostPort> replicas) {
            Map<HostPort, Integer> weights = new LinkedHashMap<>();
            replicas.forEach(replica -> weights.put(replica, 1));
            if (!config.hasPath(path)) {
                return Collections.unmodifiableMap(weights);
            }
            ConfigObject listed;
            try {
                listed = config.getObject(path);
            } catch (ConfigException e) {
                throw invalid(path, "must be an object of \"host:port\" = weight");
            }
            for (String address : listed.keySet()) {
                HostPort replica;
                try {
                    replica = HostPort.parse(address);
                } catch (IllegalArgumentException e) {
                    throw invalid(path, e.getMessage());
                }
                if (!weights.containsKey(replica)) {
                    throw invalid(path, address + " is not one of backends.replicas");
                }
                Object value = listed.get(address).unwrapped();
                if (!(value instanceof Number n) || n.intValue() < 1 || n.doubleValue() != n.intValue()) {
                    throw invalid(path, "weight of " + address + " must be a whole number of at least 1");
                }
                weights.put(replica, n.intValue());
            }
            return Collections.unmodifiableMap(weights);
        }

        /** A plugin name, or empty for "auto" (the primary's own). */
        Optional<AuthPlugin> authPlugin(String path) {
            String name = string(path);
            if (name.equals("auto")) {
                return Optional.empty();
            }
            AuthPlugin plugin = AuthPlugin.byWireName(name);
            if (plugin != AuthPlugin.MYSQL_NATIVE_PASSWORD && plugin != AuthPlugin.CACHING_SHA2_PASSWORD) {
                throw invalid(path, "must be auto, caching_sha2_password or mysql_native_password, got '"
                        + name + "'");
            }
            return Optional.of(plugin);
        }

        Optional<Path> optionalFile(String path) {
            String value = string(path);
            if (value.isBlank()) {
                return Optional.empty();
            }
            Path file = Path.of(value);
            if (!Files.isReadable(file)) {
                throw invalid(path, "cannot read file " + file);
            }
            return Optional.of(file);
        }

        void bothOrNeither(String a, String b) {
            if (string(a).isBlank() != string(b).isBlank()) {
                throw invalid(a, "must be given together with " + key(b));
            }
        }
    }
}

package io.mysqlproxy.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.mysqlproxy.protocol.auth.AuthPlugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Typed reads of one config section that turn any Typesafe error into one naming the full key. */
final class ConfigValueReader {

    private final Config config;
    private final String prefix;

    ConfigValueReader(Config config) {
        this(config, ConfigLoader.ROOT);
    }

    ConfigValueReader(Config config, String prefix) {
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

    int intBetween(String path, int min, int max) {
        int value = intAtLeast(path, min);
        if (value > max) {
            throw invalid(path, "must be at most " + max + ", got " + value);
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

    long bytesAtLeast(String path, long min) {
        long value = bytes(path);
        if (value < min) {
            throw invalid(path, "must be at least " + min + " bytes, got " + value);
        }
        return value;
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

    /** TLS protocol versions by their JSSE names; only the two MySQL 8.0.28 and later still accept. */
    List<String> tlsProtocols(String path) {
        List<String> names;
        try {
            names = config.getStringList(path);
        } catch (ConfigException e) {
            throw invalid(path, "must be a list of TLS versions");
        }
        if (names.isEmpty()) {
            throw invalid(path, "must name at least one of TLSv1.2, TLSv1.3");
        }
        for (String name : names) {
            if (!name.equals("TLSv1.2") && !name.equals("TLSv1.3")) {
                throw invalid(path, "'" + name + "' is not one of TLSv1.2, TLSv1.3");
            }
        }
        return List.copyOf(names);
    }

    /** An enumerated setting, read by {@code parse}, whose message says what the choices are. */
    <E> E choice(String path, Function<String, E> parse) {
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
            throw invalid(path, "must be auto, caching_sha2_password or mysql_native_password, got '" + name + "'");
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

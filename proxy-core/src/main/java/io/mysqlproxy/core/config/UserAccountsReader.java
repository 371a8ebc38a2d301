package io.mysqlproxy.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import io.mysqlproxy.protocol.auth.AuthPlugin;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code users} section: application accounts, and the one the environment may add or override.
 * With {@code user-source = servers} an entry only gives proxy-side settings (consistency, admin,
 * max-connections) to the servers' account of its name: a password or plugin there is an error, as the
 * servers' account decides both.
 */
final class UserAccountsReader {

    private static final String ROOT = ConfigLoader.ROOT;

    private UserAccountsReader() {}

    /** Keys of an entry that the servers' account decides under {@code user-source = servers}. */
    private static final List<String> SERVERS_DECIDE = List.of("password", "auth-plugin", "backend-auth-plugin");

    /** The users listed under {@code users}, with MYSQL_PROXY_USER / MYSQL_PROXY_PASSWORD over them. */
    static Map<String, UserAccount> read(Config root, Map<String, String> environment, UserSource source) {
        Map<String, UserAccount> users = new LinkedHashMap<>();
        List<? extends ConfigObject> entries;
        try {
            entries = root.getObjectList("users");
        } catch (ConfigException e) {
            throw new InvalidConfigException(
                    ROOT + ".users",
                    "must be a list of {name, password, auth-plugin, backend-auth-plugin, consistency, admin, max-connections}",
                    e);
        }
        for (int i = 0; i < entries.size(); i++) {
            String key = ROOT + ".users[" + i + "]";
            Config entry = entries.get(i).toConfig();
            ConfigValueReader read = new ConfigValueReader(entry, key);
            String name = read.string("name");
            if (name.isEmpty()) {
                throw new InvalidConfigException(key + ".name", "must not be empty");
            }
            if (source == UserSource.SERVERS) {
                for (String decided : SERVERS_DECIDE) {
                    if (entry.hasPath(decided)) {
                        throw new InvalidConfigException(
                                key + "." + decided,
                                "not allowed with user-source = servers: the account in the primary's mysql.user"
                                        + " decides it; an entry there gives only consistency, admin and"
                                        + " max-connections to the account of its name");
                    }
                }
            }
            String password = entry.hasPath("password") ? read.string("password") : "";
            Optional<AuthPlugin> plugin =
                    entry.hasPath("auth-plugin") ? read.authPlugin("auth-plugin") : Optional.empty();
            Optional<Consistency> consistency = entry.hasPath("consistency")
                    ? Optional.of(read.choice("consistency", Consistency::parse))
                    : Optional.empty();
            boolean admin = entry.hasPath("admin") && read.bool("admin");
            int maxConnections = entry.hasPath("max-connections") ? read.intAtLeast("max-connections", 0) : 0;
            Optional<AuthPlugin> backendPlugin =
                    entry.hasPath("backend-auth-plugin") ? read.authPlugin("backend-auth-plugin") : Optional.empty();
            UserAccount user =
                    new UserAccount(name, password, plugin, consistency, admin, maxConnections, backendPlugin);
            if (users.put(name, user) != null) {
                throw new InvalidConfigException(key + ".name", "user '" + name + "' is listed twice");
            }
        }
        String envUser = environment.get("MYSQL_PROXY_USER");
        if (source == UserSource.SERVERS
                && ((envUser != null && !envUser.isBlank()) || environment.containsKey("MYSQL_PROXY_PASSWORD"))) {
            throw new InvalidConfigException(
                    "MYSQL_PROXY_USER",
                    "MYSQL_PROXY_USER and MYSQL_PROXY_PASSWORD are not allowed with user-source = servers:"
                            + " the users and their passwords come from the primary's mysql.user");
        }
        if (envUser != null && !envUser.isBlank()) {
            String password = environment.getOrDefault("MYSQL_PROXY_PASSWORD", "");
            UserAccount listed = users.get(envUser.trim());
            users.put(
                    envUser.trim(),
                    new UserAccount(
                            envUser.trim(),
                            password,
                            listed == null ? Optional.empty() : listed.authPlugin(),
                            listed == null ? Optional.empty() : listed.consistency(),
                            listed != null && listed.admin(),
                            listed == null ? 0 : listed.maxConnections(),
                            listed == null ? Optional.empty() : listed.backendAuthPlugin()));
        } else if (environment.containsKey("MYSQL_PROXY_PASSWORD")) {
            throw new InvalidConfigException(
                    "MYSQL_PROXY_USER", "MYSQL_PROXY_PASSWORD is set but MYSQL_PROXY_USER is not");
        }
        if (users.isEmpty() && source == UserSource.CONFIG) {
            throw new InvalidConfigException(
                    ROOT + ".users",
                    "no application user: configure users, set MYSQL_PROXY_USER and MYSQL_PROXY_PASSWORD,"
                            + " or read them from the servers (user-source = servers or both)");
        }
        return Collections.unmodifiableMap(users);
    }
}

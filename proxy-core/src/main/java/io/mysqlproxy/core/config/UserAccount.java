package io.mysqlproxy.core.config;

import io.mysqlproxy.protocol.auth.AuthPlugin;

import java.util.Optional;

/**
 * An application user: the proxy checks the client's password and logs in to backends with it.
 * {@code authPlugin} is empty for "auto": the plugin the primary itself offers in its greeting
 * (mysql_native_password for MariaDB, caching_sha2_password for MySQL 8), so that clients see the
 * same authentication as from the server. {@code consistency} is empty for the routing default.
 * {@code admin} lets the user run the proxy's own admin statements (SHOW PROXY ..., EXPLAIN ROUTE).
 * {@code maxConnections} bounds the user's concurrent client sessions (0: no limit), as MySQL's
 * MAX_USER_CONNECTIONS. {@code backendAuthPlugin} is the plugin of the account on the servers, the
 * only one the proxy answers a server with; empty for "auto", the primary's own default plugin.
 * {@code serverAccount} is the servers' account this user was learned from ({@code user-source =
 * servers}), empty for a configured user: then {@code password} is empty, and the client's password is
 * checked against the account's authentication string instead.
 */
public record UserAccount(
        String name,
        String password,
        Optional<AuthPlugin> authPlugin,
        Optional<Consistency> consistency,
        boolean admin,
        int maxConnections,
        Optional<AuthPlugin> backendAuthPlugin,
        Optional<ServerAccount> serverAccount) {

    /** A configured user: the password is in the proxy's configuration. */
    public UserAccount(
            String name,
            String password,
            Optional<AuthPlugin> authPlugin,
            Optional<Consistency> consistency,
            boolean admin,
            int maxConnections,
            Optional<AuthPlugin> backendAuthPlugin) {
        this(name, password, authPlugin, consistency, admin, maxConnections, backendAuthPlugin, Optional.empty());
    }

    /**
     * A user learned from the servers' {@code account}, with the proxy-side settings (consistency,
     * admin, max-connections) of {@code configured}, a configured user of the same name, if any.
     * The plugin is the account's own, empty when the proxy does not speak it.
     */
    public static UserAccount fromServer(ServerAccount account, Optional<UserAccount> configured) {
        Optional<AuthPlugin> plugin = Optional.ofNullable(AuthPlugin.byWireName(account.plugin()));
        return new UserAccount(
                account.user(),
                "",
                plugin,
                configured.flatMap(UserAccount::consistency),
                configured.map(UserAccount::admin).orElse(false),
                configured.map(UserAccount::maxConnections).orElse(0),
                plugin,
                Optional.of(account));
    }

    /** With the primary's default plugin on the servers. */
    public UserAccount(
            String name,
            String password,
            Optional<AuthPlugin> authPlugin,
            Optional<Consistency> consistency,
            boolean admin,
            int maxConnections) {
        this(name, password, authPlugin, consistency, admin, maxConnections, Optional.empty());
    }

    public UserAccount(String name, String password, Optional<AuthPlugin> authPlugin) {
        this(name, password, authPlugin, Optional.empty(), false);
    }

    /** Without a limit on concurrent sessions. */
    public UserAccount(
            String name,
            String password,
            Optional<AuthPlugin> authPlugin,
            Optional<Consistency> consistency,
            boolean admin) {
        this(name, password, authPlugin, consistency, admin, 0);
    }

    /** The plugin to check this user with, given the primary's own. */
    public AuthPlugin pluginOr(AuthPlugin serverDefault) {
        return authPlugin.orElse(serverDefault);
    }

    /** The plugin of this user's account on the servers, given the primary's own default. */
    public AuthPlugin backendPluginOr(AuthPlugin serverDefault) {
        return backendAuthPlugin.orElse(serverDefault);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "UserAccount[" + name + ", "
                + serverAccount.map(a -> "from " + a + ", ").orElse("")
                + authPlugin.map(AuthPlugin::wireName).orElse("auto") + (admin ? ", admin" : "") + "]";
    }
}

package io.mysqlproxy.core.backend;

import io.mysqlproxy.core.auth.BackendSecret;
import io.mysqlproxy.protocol.auth.AuthPlugin;

import java.util.Map;
import java.util.Objects;

/**
 * What the proxy needs to open a backend session on a client's behalf: the account, what proves it
 * ({@link BackendSecret}: a configured password, or what the client's own login gave), the plugin its
 * backend account uses (resolved: never "auto"; the only plugin the proxy answers a server with), and
 * the client's choices that shape the session (capabilities, MariaDB's extended capabilities,
 * collation, schema, attributes). {@code database} and {@code attributes} may be {@code null}.
 */
public record BackendLogin(
        String user,
        BackendSecret secret,
        AuthPlugin authPlugin,
        int clientCapabilities,
        int clientMariaDbCapabilities,
        int characterSet,
        String database,
        Map<String, String> attributes) {

    public BackendLogin {
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(authPlugin, "authPlugin");
        if (authPlugin == AuthPlugin.MYSQL_CLEAR_PASSWORD) {
            throw new IllegalArgumentException("the proxy never logs in to a backend with mysql_clear_password");
        }
    }

    /** With a configured password. */
    public BackendLogin(
            String user,
            String password,
            AuthPlugin authPlugin,
            int clientCapabilities,
            int clientMariaDbCapabilities,
            int characterSet,
            String database,
            Map<String, String> attributes) {
        this(
                user,
                BackendSecret.configured(password),
                authPlugin,
                clientCapabilities,
                clientMariaDbCapabilities,
                characterSet,
                database,
                attributes);
    }

    /** The same login in another schema (or none). */
    public BackendLogin inDatabase(String schema) {
        return new BackendLogin(
                user,
                secret,
                authPlugin,
                clientCapabilities,
                clientMariaDbCapabilities,
                characterSet,
                schema,
                attributes);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "BackendLogin[user=" + user + ", plugin=" + authPlugin.wireName() + ", database=" + database + "]";
    }
}

package io.mysqlproxy.core.backend;

import java.util.Map;

/**
 * What the proxy needs to open a backend session on a client's behalf: the account, and the
 * client's choices that shape the session (capabilities, MariaDB's extended capabilities, collation,
 * schema, attributes). {@code database} and {@code attributes} may be {@code null}.
 */
public record BackendLogin(
        String user,
        String password,
        int clientCapabilities,
        int clientMariaDbCapabilities,
        int characterSet,
        String database,
        Map<String, String> attributes) {

    /** Never prints the password. */
    @Override
    public String toString() {
        return "BackendLogin[user=" + user + ", database=" + database + "]";
    }
}

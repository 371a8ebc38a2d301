package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.auth.BackendSecret;
import io.mysqlproxy.core.backend.BackendCapabilities;
import io.mysqlproxy.core.backend.BackendLogin;

/**
 * Which pooled connections a session may take: ones logged in as the same user with the same secret
 * and the same client capabilities (those that change packet formats or semantics, such as FOUND_ROWS
 * or MULTI_STATEMENTS, must match the client's exactly), MariaDB's extended ones included: a
 * connection that sends extended column metadata never serves a client that does not expect it.
 *
 * <p>The secret matters for users learned from the servers: a name may have several accounts, one per
 * host pattern, each with its own password, and the proxy checks a client against the account of the
 * client's address while the servers see the proxy's. A connection logged in with one account's
 * password must not serve a client who proved another's. (Secrets compare in constant time and hash to
 * a constant per kind, so the pool's maps learn nothing of them.)
 */
public record PoolKey(String user, BackendSecret secret, int capabilities, int mariaDbCapabilities) {

    public static PoolKey of(BackendLogin login) {
        return new PoolKey(
                login.user(),
                login.secret(),
                login.clientCapabilities() & BackendCapabilities.PASS_THROUGH,
                login.clientMariaDbCapabilities() & BackendCapabilities.MARIADB_PASS_THROUGH);
    }
}

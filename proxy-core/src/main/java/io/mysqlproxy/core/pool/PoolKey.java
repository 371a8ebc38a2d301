package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendCapabilities;
import io.mysqlproxy.core.backend.BackendLogin;

/**
 * Which pooled connections a session may take: ones logged in as the same user with the same
 * client capabilities (those that change packet formats or semantics, such as FOUND_ROWS or
 * MULTI_STATEMENTS, must match the client's exactly), MariaDB's extended ones included: a
 * connection that sends extended column metadata never serves a client that does not expect it.
 */
public record PoolKey(String user, int capabilities, int mariaDbCapabilities) {

    public static PoolKey of(BackendLogin login) {
        return new PoolKey(
                login.user(),
                login.clientCapabilities() & BackendCapabilities.PASS_THROUGH,
                login.clientMariaDbCapabilities() & BackendCapabilities.MARIADB_PASS_THROUGH);
    }
}

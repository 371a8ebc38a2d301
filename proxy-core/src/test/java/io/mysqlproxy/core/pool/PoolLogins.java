package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;

/** The backend logins the pool tests borrow with: a modern client's capabilities, password "pw". */
final class PoolLogins {

    static final int CAPABILITIES = Capability.maskOf(
            Capability.PROTOCOL_41,
            Capability.SECURE_CONNECTION,
            Capability.PLUGIN_AUTH,
            Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA,
            Capability.TRANSACTIONS,
            Capability.MULTI_RESULTS,
            Capability.DEPRECATE_EOF);

    static final BackendLogin APP = login("app", CAPABILITIES, 0);
    static final BackendLogin OTHER = login("other", CAPABILITIES, 0);

    private PoolLogins() {}

    static BackendLogin login(String user, int capabilities, int mariaDbCapabilities) {
        return new BackendLogin(
                user, "pw", AuthPlugin.MYSQL_NATIVE_PASSWORD, capabilities, mariaDbCapabilities, 45, null, null);
    }
}

package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.flag.Capability;

/**
 * Which capability bits the proxy passes between a client and its backend. Bits that change the
 * shape of packets must be equal on both legs, because the proxy forwards those packets as they
 * are; bits it cannot relay (compression, query attributes, optional metadata) are never offered.
 */
public final class BackendCapabilities {

    /** Chosen by the client and passed on to the backend unchanged. */
    public static final int PASS_THROUGH = Capability.maskOf(
            Capability.LONG_PASSWORD,
            Capability.FOUND_ROWS,
            Capability.LONG_FLAG,
            Capability.CONNECT_WITH_DB,
            Capability.NO_SCHEMA,
            Capability.ODBC,
            Capability.LOCAL_FILES,
            Capability.IGNORE_SPACE,
            Capability.INTERACTIVE,
            Capability.IGNORE_SIGPIPE,
            Capability.TRANSACTIONS,
            Capability.MULTI_STATEMENTS,
            Capability.MULTI_RESULTS,
            Capability.PS_MULTI_RESULTS,
            Capability.CONNECT_ATTRS,
            Capability.CAN_HANDLE_EXPIRED_PASSWORDS,
            Capability.SESSION_TRACK,
            Capability.DEPRECATE_EOF);

    /** Always set by the proxy when it logs in to a backend, and required of clients. */
    public static final int REQUIRED = Capability.maskOf(
            Capability.PROTOCOL_41,
            Capability.SECURE_CONNECTION,
            Capability.PLUGIN_AUTH,
            Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA);

    /** Bits that change packet layouts in the command phase: they must agree on both legs. */
    public static final int FORMAT = Capability.maskOf(
            Capability.PROTOCOL_41,
            Capability.DEPRECATE_EOF,
            Capability.SESSION_TRACK,
            Capability.MULTI_RESULTS,
            Capability.PS_MULTI_RESULTS);

    private BackendCapabilities() {}

    /** What the proxy offers clients, given what the backend offers (or everything, if not yet known). */
    public static int offeredToClients(int backendCapabilities, boolean tls) {
        int offered = (PASS_THROUGH | REQUIRED) & backendCapabilities;
        return tls ? offered | Capability.SSL.mask() : offered;
    }

    /** What the proxy asks of a backend on behalf of a client with these effective capabilities. */
    public static int forBackend(int clientCapabilities, int backendCapabilities, boolean withDatabase) {
        int wanted = (clientCapabilities & PASS_THROUGH) | REQUIRED;
        if (!withDatabase) {
            wanted &= ~Capability.CONNECT_WITH_DB.mask();
        }
        return wanted & backendCapabilities;
    }
}

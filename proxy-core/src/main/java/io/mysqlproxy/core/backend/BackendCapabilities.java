package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.MariaDbCapability;

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

    /**
     * MariaDB's extended capabilities (the word of {@link MariaDbCapability}) the proxy relays: a
     * client's choice among them goes to its backends unchanged, and since each changes packet
     * layouts they must agree on both legs, as {@link #FORMAT} does. The others are never offered to
     * clients, so never asked of backends:
     * <ul>
     *   <li>EXTENDED_METADATA: relayed. Column definitions stay undecoded on the way through; the
     *       proxy's own result sets write the extra field when the client negotiated it.
     *   <li>PROGRESS: not offered. Progress reports are 0xFF packets inside a response, which the
     *       response tracker would take for the ERR that ends it.
     *   <li>COM_MULTI: not offered; the server has removed the command (the bit is reserved).
     *   <li>STMT_BULK_OPERATIONS and BULK_UNIT_RESULTS: not offered. COM_STMT_BULK_EXECUTE (0xFA)
     *       is not a command the proxy classifies, routes or translates statement ids for; clients
     *       send single executions or rewritten batches instead.
     *   <li>CACHE_METADATA: not offered. It adds a metadata-follows byte to COM_STMT_EXECUTE's
     *       column count, and whether metadata is skipped depends on what one server connection
     *       sent before, while the proxy prepares a client's statement on several connections.
     * </ul>
     */
    public static final int MARIADB_PASS_THROUGH = MariaDbCapability.EXTENDED_METADATA.mask();

    private BackendCapabilities() {}

    /**
     * The MariaDB capabilities the proxy offers clients, given the backend's greeting: none unless
     * the backend is MariaDB (it clears {@code CLIENT_MYSQL}, which is {@link Capability#LONG_PASSWORD}),
     * since only then does the client send, and the server read, the extended word.
     */
    public static int mariaDbOfferedToClients(int backendCapabilities, int backendMariaDbCapabilities) {
        return Capability.LONG_PASSWORD.isSet(backendCapabilities)
                ? 0
                : backendMariaDbCapabilities & MARIADB_PASS_THROUGH;
    }

    /**
     * What a client's answer negotiates: its extended word counts only if it cleared
     * {@code CLIENT_MYSQL}, as MariaDB itself reads it, and only the offered bits.
     */
    public static int mariaDbOfClient(int clientCapabilities, int clientMariaDbCapabilities, int offered) {
        return Capability.LONG_PASSWORD.isSet(clientCapabilities) ? 0 : clientMariaDbCapabilities & offered;
    }

    /** The MariaDB capabilities the proxy asks of a backend with this greeting for a client that negotiated these. */
    public static int mariaDbForBackend(
            int clientMariaDbCapabilities, int backendCapabilities, int backendMariaDbCapabilities) {
        return clientMariaDbCapabilities & mariaDbOfferedToClients(backendCapabilities, backendMariaDbCapabilities);
    }

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

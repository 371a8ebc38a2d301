package io.mysqlproxy.core.server;

import io.mysqlproxy.core.backend.BackendCapabilities;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.packet.HandshakeV10;

/**
 * What the proxy's greeting says about "the server": the primary's version string and
 * capabilities (MariaDB's extended ones included), learnt from its own greeting, so that clients
 * adapt to the real server behind. Until the primary has been reached, a neutral version and every
 * capability the proxy relays, as a MySQL server (no extended capabilities).
 */
public final class ServerIdentity {

    static final String FALLBACK_VERSION = "8.4.0-mysql-proxy";

    /** The primary's capability words, learnt together so that a greeting never mixes two greetings'. */
    private record BackendOffer(int capabilities, int mariaDbCapabilities) {}

    private final String configuredVersion;
    private volatile String learntVersion;
    private volatile BackendOffer backendOffer = new BackendOffer(-1, 0);
    private volatile int characterSet = 45; // utf8mb4_general_ci, MariaDB's and MySQL 5.7's default
    private volatile AuthPlugin authPlugin = AuthPlugin.CACHING_SHA2_PASSWORD;

    public ServerIdentity(String configuredVersion) {
        this.configuredVersion = configuredVersion == null ? "" : configuredVersion;
    }

    public void learn(HandshakeV10 greeting) {
        learntVersion = greeting.serverVersion();
        backendOffer = new BackendOffer(greeting.capabilities(), greeting.mariaDbCapabilities());
        if (greeting.characterSet() > 0) {
            characterSet = greeting.characterSet();
        }
        AuthPlugin plugin = AuthPlugin.byWireName(greeting.authPluginName());
        if (plugin == AuthPlugin.MYSQL_NATIVE_PASSWORD || plugin == AuthPlugin.CACHING_SHA2_PASSWORD) {
            authPlugin = plugin;
        }
    }

    public boolean known() {
        return learntVersion != null;
    }

    public String serverVersion() {
        if (!configuredVersion.isEmpty()) {
            return configuredVersion;
        }
        String learnt = learntVersion;
        return learnt != null ? learnt : FALLBACK_VERSION;
    }

    /**
     * The greeting for a client: the primary's version, the capabilities the proxy relays of those
     * the primary offers (TLS if the proxy has it), and its character set; status AUTOCOMMIT.
     */
    public HandshakeV10 greeting(long connectionId, byte[] authPluginData, boolean tls, AuthPlugin plugin) {
        BackendOffer offer = backendOffer;
        return new HandshakeV10(
                serverVersion(),
                connectionId,
                authPluginData,
                BackendCapabilities.offeredToClients(offer.capabilities(), tls),
                characterSet,
                ServerStatus.AUTOCOMMIT.mask(),
                BackendCapabilities.mariaDbOfferedToClients(offer.capabilities(), offer.mariaDbCapabilities()),
                plugin.wireName());
    }

    /**
     * The primary's own default auth plugin, for users configured with "auto": clients then
     * authenticate as they would with the server (Connector/J, for one, cannot do
     * caching_sha2_password with a server that greets as MariaDB's "5.5.5-10.x").
     */
    public AuthPlugin authPlugin() {
        return authPlugin;
    }
}

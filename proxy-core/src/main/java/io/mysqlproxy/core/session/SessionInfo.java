package io.mysqlproxy.core.session;

import java.time.Duration;

/**
 * Who a client session is and its limits. {@code capabilities} and {@code mariaDbCapabilities} are
 * what the client negotiated (MariaDB's extended word is 0 unless both sides are MariaDB's);
 * {@code nonce} is the one from the greeting, which COM_CHANGE_USER reuses; {@code secure} tells
 * whether the client is on TLS.
 */
public record SessionInfo(
        long connectionId,
        String user,
        String remote,
        String host,
        int capabilities,
        int mariaDbCapabilities,
        long maxAllowedPacket,
        Duration idleTimeout,
        Duration interactiveTimeout,
        byte[] nonce,
        boolean secure) {

    public SessionInfo {
        nonce = nonce.clone();
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    public SessionInfo withUser(String newUser) {
        return new SessionInfo(
                connectionId,
                newUser,
                remote,
                host,
                capabilities,
                mariaDbCapabilities,
                maxAllowedPacket,
                idleTimeout,
                interactiveTimeout,
                nonce,
                secure);
    }
}

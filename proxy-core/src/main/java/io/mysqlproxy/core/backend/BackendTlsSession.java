package io.mysqlproxy.core.backend;

/**
 * The TLS session a backend connection runs in: its protocol version and cipher suite (JSSE names),
 * and whether its handshake resumed an earlier session (an abbreviated handshake, no certificate
 * exchange) rather than making a new one.
 */
public record BackendTlsSession(String protocol, String cipherSuite, boolean resumed) {}

package io.mysqlproxy.core.config;

import java.util.Locale;

/** Whether the proxy talks TLS to backends, and what it checks: MySQL's and Connector/J's ssl-mode. */
public enum BackendTlsMode {
    /** Never: the login and everything after it travel in clear text. */
    DISABLED,
    /** TLS when the server's greeting offers it (CLIENT_SSL), without checking the certificate; clear text otherwise. */
    PREFERRED,
    /** TLS or no connection, without checking the certificate. */
    REQUIRED,
    /** TLS, with a certificate chain that verifies against {@code backends.tls.ca}. */
    VERIFY_CA,
    /** As {@link #VERIFY_CA}, and the certificate names the host (or IP) the proxy connects to. */
    VERIFY_IDENTITY;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether a server that does not offer TLS is refused. */
    public boolean required() {
        return this != DISABLED && this != PREFERRED;
    }

    /** Whether the server's certificate must verify against the configured CA. */
    public boolean verifiesCertificate() {
        return this == VERIFY_CA || this == VERIFY_IDENTITY;
    }

    public static BackendTlsMode parse(String text) {
        try {
            return valueOf(text.trim().replace('-', '_').toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "must be disabled, preferred, required, verify-ca or verify-identity, got '" + text + "'", e);
        }
    }
}

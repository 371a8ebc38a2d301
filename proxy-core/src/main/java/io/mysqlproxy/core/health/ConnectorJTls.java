package io.mysqlproxy.core.health;

import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.tls.PemKeyStores;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * backends.tls as Connector/J connection properties, so the health monitor reaches the backends as
 * the proxy's own connections do: the same mode (Connector/J's sslMode has the same names), and since
 * Connector/J reads key stores rather than PEM, the CA bundle and the client certificate turned into
 * PKCS12 files once at start (readable by this user only, deleted on exit).
 */
public final class ConnectorJTls {

    private ConnectorJTls() {}

    public static Map<String, String> properties(ProxyConfig.BackendTls tls) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("sslMode", tls.mode().name());
        properties.put("tlsVersions", String.join(",", tls.protocols()));
        try {
            if (tls.mode().verifiesCertificate()) {
                String password = randomPassword();
                Path store = PemKeyStores.writeTemporary(
                        PemKeyStores.trustStore(tls.ca().orElseThrow()),
                        password.toCharArray(),
                        "mysql-proxy-backend-ca");
                properties.put("trustCertificateKeyStoreUrl", store.toUri().toString());
                properties.put("trustCertificateKeyStoreType", "PKCS12");
                properties.put("trustCertificateKeyStorePassword", password);
                properties.put("fallbackToSystemTrustStore", "false");
            }
            if (tls.certificate().isPresent()) {
                String password = randomPassword();
                Path store = PemKeyStores.writeTemporary(
                        PemKeyStores.keyStore(
                                tls.certificate().get(), tls.privateKey().orElseThrow(), password.toCharArray()),
                        password.toCharArray(),
                        "mysql-proxy-backend-client");
                properties.put("clientCertificateKeyStoreUrl", store.toUri().toString());
                properties.put("clientCertificateKeyStoreType", "PKCS12");
                properties.put("clientCertificateKeyStorePassword", password);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new InvalidConfigException(
                    "mysql-proxy.backends.tls", "cannot make the health monitor's key stores: " + e.getMessage(), e);
        }
        return Map.copyOf(properties);
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}

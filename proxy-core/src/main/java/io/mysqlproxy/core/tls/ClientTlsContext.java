package io.mysqlproxy.core.tls;

import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;

import javax.net.ssl.SSLException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.util.Optional;

/** The TLS context offered to clients: the configured certificate, or a self-signed one made at start-up. */
public final class ClientTlsContext {

    private ClientTlsContext() {}

    public static Optional<SslContext> create(ProxyConfig.Tls tls) {
        if (!tls.enabled()) {
            return Optional.empty();
        }
        try {
            if (tls.certificate().isPresent()) {
                return Optional.of(SslContextBuilder.forServer(
                                tls.certificate().get().toFile(),
                                tls.privateKey().orElseThrow().toFile())
                        .protocols(tls.protocols())
                        .build());
            }
            // Netty's default source for the key is not cryptographically strong when bcpkix makes it.
            SelfSignedCertificate generated = new SelfSignedCertificate("mysql-proxy", new SecureRandom(), 2048);
            try {
                return Optional.of(SslContextBuilder.forServer(generated.certificate(), generated.privateKey())
                        .protocols(tls.protocols())
                        .build());
            } finally {
                generated.delete();
            }
        } catch (SSLException | CertificateException | IllegalArgumentException e) {
            throw new InvalidConfigException(
                    "mysql-proxy.client.tls", "cannot build the TLS context: " + e.getMessage(), e);
        }
    }
}

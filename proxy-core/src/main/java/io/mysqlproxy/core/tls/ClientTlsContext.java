package io.mysqlproxy.core.tls;

import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.util.Optional;

/**
 * The TLS context offered to clients: the configured certificate (reloaded when its files change, see
 * {@link ReloadableSslContext}), or a self-signed one made at start-up.
 */
public final class ClientTlsContext {

    private ClientTlsContext() {}

    public static Optional<SslContext> create(ProxyConfig.Tls tls) {
        if (!tls.enabled()) {
            return Optional.empty();
        }
        try {
            if (tls.certificate().isPresent()) {
                Path certificate = tls.certificate().get();
                Path privateKey = tls.privateKey().orElseThrow();
                return Optional.of(new ReloadableSslContext(certificate, privateKey, () -> {
                    try {
                        return SslContextBuilder.forServer(certificate.toFile(), privateKey.toFile())
                                .protocols(tls.protocols())
                                .build();
                    } catch (SSLException e) {
                        throw new IllegalArgumentException(e.getMessage(), e);
                    }
                }));
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

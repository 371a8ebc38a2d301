package io.mysqlproxy.core.tls;

import io.mysqlproxy.core.config.BackendTlsMode;
import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The proxy's TLS client side toward the backends, built once at start and shared by every backend
 * connection: one {@link SslContext}, so that the JDK's client session cache (keyed by host and port)
 * lets a new connection to a server resume an earlier TLS session instead of paying a full handshake.
 * Under verify-ca and verify-identity the server's chain must verify against the configured CA,
 * under verify-identity its certificate must also name the host connected to; under preferred and
 * required nothing is checked, as with MySQL's own client.
 */
public final class BackendTlsContext {

    private static final BackendTlsContext DISABLED = new BackendTlsContext(BackendTlsMode.DISABLED, null);

    private final BackendTlsMode mode;
    private final SslContext context;

    private BackendTlsContext(BackendTlsMode mode, SslContext context) {
        this.mode = mode;
        this.context = context;
    }

    /** No TLS to backends. */
    public static BackendTlsContext disabled() {
        return DISABLED;
    }

    /** The context {@code tls} describes; a CA or key file that does not load is an invalid configuration. */
    public static BackendTlsContext create(ProxyConfig.BackendTls tls) {
        if (tls.mode() == BackendTlsMode.DISABLED) {
            return DISABLED;
        }
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().protocols(tls.protocols());
            if (tls.mode().verifiesCertificate()) {
                builder.trustManager(tls.ca().orElseThrow().toFile());
            } else {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            }
            // Netty 4.2 checks host names by default: only verify-identity asks for it.
            builder.endpointIdentificationAlgorithm(tls.mode() == BackendTlsMode.VERIFY_IDENTITY ? "HTTPS" : null);
            if (tls.certificate().isPresent()) {
                Path certificate = tls.certificate().get();
                builder.keyManager(
                        certificate.toFile(), tls.privateKey().orElseThrow().toFile());
            }
            return new BackendTlsContext(tls.mode(), builder.build());
        } catch (SSLException | IllegalArgumentException e) {
            throw new InvalidConfigException(
                    "mysql-proxy.backends.tls", "cannot build the backend TLS context: " + e.getMessage(), e);
        }
    }

    public BackendTlsMode mode() {
        return mode;
    }

    /**
     * A TLS client handler for a connection to {@code host}:{@code port}, which are also the session
     * cache's key and, under verify-identity, the name the certificate must carry.
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        Objects.requireNonNull(context, "TLS to backends is disabled");
        return context.newHandler(alloc, host, port);
    }

    @Override
    public String toString() {
        return "backend TLS " + mode.label();
    }
}

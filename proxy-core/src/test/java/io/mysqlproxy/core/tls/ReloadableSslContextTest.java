package io.mysqlproxy.core.tls;

import io.mysqlproxy.core.config.ProxyConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A certificate whose files change is served to new connections; files that do not load leave the old one. */
class ReloadableSslContextTest {

    @TempDir
    Path dir;

    private final SelfSignedCertificate first = new SelfSignedCertificate("first.example", new SecureRandom(), 2048);
    private final SelfSignedCertificate second = new SelfSignedCertificate("second.example", new SecureRandom(), 2048);

    ReloadableSslContextTest() throws Exception {}

    @AfterEach
    void deleteGenerated() {
        first.delete();
        second.delete();
    }

    @Test
    void newConnectionsGetTheRenewedCertificate() throws Exception {
        Path certificate = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        install(first, certificate, key);
        SslContext context = ClientTlsContext.create(new ProxyConfig.Tls(
                        true, Optional.of(certificate), Optional.of(key), false, List.of("TLSv1.2", "TLSv1.3")))
                .orElseThrow();
        ReloadableSslContext reloadable = (ReloadableSslContext) context;
        assertEquals(first.cert(), servedBy(context));
        assertFalse(reloadable.reloadIfChanged(), "nothing changed");

        install(second, certificate, key);
        assertTrue(reloadable.reloadIfChanged());
        assertEquals(second.cert(), servedBy(context));

        Files.writeString(certificate, "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n");
        assertFalse(reloadable.reloadIfChanged(), "a certificate that does not load is not taken");
        assertEquals(second.cert(), servedBy(context));
    }

    private static void install(SelfSignedCertificate generated, Path certificate, Path key) throws Exception {
        Files.copy(generated.certificate().toPath(), certificate, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(generated.privateKey().toPath(), key, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The certificate a client sees in a TLS handshake with {@code server}, run in memory. */
    private static X509Certificate servedBy(SslContext server) throws Exception {
        SslContext client = SslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .build();
        SslHandler clientTls = client.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT);
        EmbeddedChannel clientSide = new EmbeddedChannel(clientTls);
        EmbeddedChannel serverSide = new EmbeddedChannel(server.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT));
        try {
            for (int round = 0; round < 20 && !clientTls.handshakeFuture().isDone(); round++) {
                pump(clientSide, serverSide);
                pump(serverSide, clientSide);
            }
            assertTrue(
                    clientTls.handshakeFuture().isSuccess(),
                    String.valueOf(clientTls.handshakeFuture().cause()));
            Certificate[] chain = clientTls.engine().getSession().getPeerCertificates();
            return (X509Certificate) chain[0];
        } finally {
            clientSide.finishAndReleaseAll();
            serverSide.finishAndReleaseAll();
        }
    }

    private static void pump(EmbeddedChannel from, EmbeddedChannel to) {
        for (ByteBuf out = from.readOutbound(); out != null; out = from.readOutbound()) {
            to.writeInbound(out);
        }
    }
}

package io.mysqlproxy.core.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The client TLS context built from certificate and key files, rebuilt when their content changes
 * (a renewed certificate, a rotated Kubernetes Secret): new connections get the new certificate,
 * connections already in TLS keep their session. A pair of files that does not build (half-written,
 * mismatched) is logged and the certificate in use stays.
 */
public final class ReloadableSslContext extends SslContext {

    private static final Logger log = LoggerFactory.getLogger(ReloadableSslContext.class);

    private final Path certificate;
    private final Path privateKey;
    private final Supplier<SslContext> build;
    private volatile SslContext current;
    private byte[] loadedDigest;

    ReloadableSslContext(Path certificate, Path privateKey, Supplier<SslContext> build) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.build = build;
        this.loadedDigest = digest();
        this.current = build.get();
    }

    /** Rebuilds the context if the files' content changed since it was built; whether it did. */
    public synchronized boolean reloadIfChanged() {
        byte[] now = digest();
        if (now == null || Arrays.equals(now, loadedDigest)) {
            return false;
        }
        try {
            current = build.get();
            loadedDigest = now;
            log.info("client TLS certificate {} reloaded: new connections get it", certificate);
            return true;
        } catch (RuntimeException e) {
            log.error(
                    "client TLS certificate {} changed but does not load, the one in use stays: {}",
                    certificate,
                    e.getMessage());
            return false;
        }
    }

    /** SHA-256 over both files; null when one cannot be read (mid-rotation: tried again next time). */
    private byte[] digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(certificate));
            sha.update(Files.readAllBytes(privateKey));
            return sha.digest();
        } catch (IOException e) {
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public boolean isClient() {
        return false;
    }

    @Override
    public List<String> cipherSuites() {
        return current.cipherSuites();
    }

    @Override
    @SuppressWarnings("deprecation")
    public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
        return current.applicationProtocolNegotiator();
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc) {
        return current.newEngine(alloc);
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
        return current.newEngine(alloc, peerHost, peerPort);
    }

    @Override
    public SSLSessionContext sessionContext() {
        return current.sessionContext();
    }
}

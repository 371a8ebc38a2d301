package io.mysqlproxy.app;

import io.mysqlproxy.core.config.ConfigLoader;
import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.server.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reloads the configuration file into a running proxy (see {@link ProxyServer#reconfigure}) on
 * SIGHUP, and when the file's content changes. The content is compared, not the modification
 * time: Kubernetes updates a mounted ConfigMap by swapping a symlink, which a watch on the file
 * itself does not see. A file that does not load is rejected with its reasons, and the running
 * configuration stays.
 */
final class ConfigReloads implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigReloads.class);

    private final ProxyServer server;
    private final Optional<Path> file;
    private final ScheduledExecutorService watcher;
    private byte[] lastDigest;

    private ConfigReloads(ProxyServer server, Optional<Path> file, Duration watchInterval) {
        this.server = server;
        this.file = file;
        this.lastDigest = digest();
        if (file.isPresent() && !watchInterval.isZero()) {
            watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "mysql-proxy-config-watch");
                thread.setDaemon(true);
                return thread;
            });
            watcher.scheduleWithFixedDelay(
                    this::reloadIfChanged, watchInterval.toNanos(), watchInterval.toNanos(), TimeUnit.NANOSECONDS);
        } else {
            watcher = null;
        }
    }

    /** Reloads {@code file} (the defaults and the environment alone if empty) on SIGHUP and when it changes. */
    static ConfigReloads start(ProxyServer server, Optional<Path> file, Duration watchInterval) {
        ConfigReloads reloads = new ConfigReloads(server, file, watchInterval);
        Signal.handle(new Signal("HUP"), signal -> {
            // Signal handlers must return quickly.
            Thread reload = new Thread(
                    () -> {
                        log.info("SIGHUP received: reloading the configuration");
                        reloads.reload();
                    },
                    "mysql-proxy-reload");
            reload.start();
        });
        return reloads;
    }

    /** Loads the file and applies it, or rejects it. */
    synchronized void reload() {
        lastDigest = digest();
        try {
            server.reconfigure(ConfigLoader.load(file));
        } catch (InvalidConfigException e) {
            server.reloadRejected(e.getMessage());
        } catch (RuntimeException e) {
            server.reloadRejected(String.valueOf(e));
        }
    }

    private synchronized void reloadIfChanged() {
        // The TLS certificate files may change on their own (a renewed certificate, a rotated Secret).
        server.reloadCertificateIfChanged();
        byte[] now = digest();
        if (!Arrays.equals(now, lastDigest)) {
            log.info("configuration file {} changed: reloading", file.orElseThrow());
            reload();
        }
    }

    /** The file's content digest; null when there is no file or it cannot be read (a reload then says why). */
    private byte[] digest() {
        if (file.isEmpty()) {
            return null;
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file.get()));
        } catch (IOException e) {
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }
}

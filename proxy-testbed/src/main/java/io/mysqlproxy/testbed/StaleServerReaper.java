package io.mysqlproxy.testbed;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Kills servers left behind by JVMs that died without running shutdown hooks (SIGKILL, a Surefire fork timeout)
 * and deletes their directories, so such runs do not pile up server processes on a 2-core machine.
 */
final class StaleServerReaper {

    private static final Logger LOG = LoggerFactory.getLogger(StaleServerReaper.class);
    private static final AtomicBoolean REAPED = new AtomicBoolean();

    private StaleServerReaper() {}

    static void reapOnce() {
        if (REAPED.compareAndSet(false, true)) {
            reap(Path.of(System.getProperty("java.io.tmpdir")));
        }
    }

    static void reap(Path tmp) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, TestBedServer.DIR_PREFIX + "*")) {
            for (Path dir : dirs) {
                reapIfOrphaned(new ServerLayout(dir));
            }
        } catch (IOException | RuntimeException e) {
            // Best effort: a leftover must never stop a new test bed from starting.
            LOG.warn("Could not look for leftover test-bed servers in {}", tmp, e);
        }
    }

    private static void reapIfOrphaned(ServerLayout layout) {
        OptionalLong owner = ServerLayout.readPid(layout.ownerPidFile());
        // No owner yet means another JVM is creating this directory right now.
        if (owner.isEmpty()
                || ProcessHandle.of(owner.getAsLong())
                        .map(ProcessHandle::isAlive)
                        .orElse(false)) {
            return;
        }
        OptionalLong server = ServerLayout.readPid(layout.processPidFile());
        if (server.isPresent()) {
            ProcessHandle.of(server.getAsLong())
                    .filter(StaleServerReaper::isTestBedServer)
                    .ifPresent(handle -> {
                        handle.destroyForcibly();
                        handle.onExit()
                                .orTimeout(10, TimeUnit.SECONDS)
                                .exceptionally(e -> null)
                                .join();
                        LOG.info("Killed leftover server pid {} of dead JVM {}", handle.pid(), owner.getAsLong());
                    });
        }
        FileTrees.delete(layout.workDir());
    }

    /** The pid may have been reused by an unrelated process since the owner died. */
    private static boolean isTestBedServer(ProcessHandle handle) {
        return handle.info()
                .command()
                .map(command -> command.endsWith("/mariadbd") || command.endsWith("/mysqld"))
                .orElse(false);
    }
}

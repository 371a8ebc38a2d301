package io.mysqlproxy.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The files of one server, all under its own temporary work directory so servers never share state and one
 * recursive delete cleans up. {@code owner.pid} and {@code process.pid} let {@link StaleServerReaper} find
 * servers whose JVM died without running its shutdown hooks.
 *
 * @param workDir the server's temporary directory
 */
record ServerLayout(Path workDir) {

    static ServerLayout create(String prefix) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try {
            ServerLayout layout = new ServerLayout(Files.createTempDirectory(tmp, prefix));
            Files.writeString(
                    layout.ownerPidFile(), Long.toString(ProcessHandle.current().pid()));
            Files.createDirectories(layout.tmpDir());
            return layout;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a server directory in " + tmp, e);
        }
    }

    Path dataDir() {
        return workDir.resolve("data");
    }

    Path tmpDir() {
        return workDir.resolve("tmp");
    }

    Path socket() {
        return workDir.resolve("mysqld.sock");
    }

    Path pidFile() {
        return workDir.resolve("mariadbd.pid");
    }

    /** stdout and stderr of mariadbd, which is its error log when started without {@code --log-error}. */
    Path errorLog() {
        return workDir.resolve("error.log");
    }

    /** The JVM that owns the server. */
    Path ownerPidFile() {
        return workDir.resolve("owner.pid");
    }

    /** The mariadbd process as launched; unlike mariadbd's own pid file it exists from the moment of launch. */
    Path processPidFile() {
        return workDir.resolve("process.pid");
    }

    static OptionalLong readPid(Path file) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}

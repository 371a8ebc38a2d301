package io.mysqlproxy.deploy;

import io.mysqlproxy.testbed.LoopbackPorts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One StatefulSet pod played on loopback by the real deploy/base/scripts: the same environment variables the
 * pod would get, with paths under a temporary directory and addresses on 127.0.0.1. The "containers" are
 * processes: run-server.sh (exec's mysqld or mariadbd) and, for MariaDB, serve-backup.sh (exec's socat).
 */
final class ScriptPod implements AutoCloseable {

    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(5);

    final int ordinal;
    final Path dir;
    final int port;
    final int clonePort;
    private final ScriptFlavour flavour;
    private final Map<String, String> env = new HashMap<>();
    private Process server;
    private Process backupServer;
    private TestTls tls;

    /**
     * @param path the PATH with the flavour's commands ({@link ScriptFlavour#path()})
     * @param primary ordinal 0, which every replica replicates from; null for ordinal 0 itself
     * @param peer the pod this one is cloned from; null for ordinal 0
     */
    ScriptPod(int ordinal, Path root, ScriptFlavour flavour, String path, ScriptPod primary, ScriptPod peer) {
        this.ordinal = ordinal;
        this.flavour = flavour;
        this.dir = root.resolve("mysql-" + ordinal);
        this.port = freePort();
        this.clonePort = freePort();
        try {
            Files.createDirectories(dir.resolve("tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env.put("PATH", path);
        env.put("MYSQL_FLAVOR", flavour.name);
        env.put("POD_NAME", "mysql-" + ordinal);
        env.put("CONFIG_MAP_DIR", flavour.configMap().toString());
        env.put("CONF_DIR", dir.resolve("conf").toString());
        env.put("DATA_DIR", dir.resolve("data").toString());
        env.put("RUN_DIR", dir.resolve("run").toString());
        env.put("TMP_DIR", dir.resolve("tmp").toString());
        env.put("MYSQL_PORT", Integer.toString(port));
        env.put("CLONE_PORT", Integer.toString(clonePort));
        env.put("BIND_ADDRESS", "127.0.0.1");
        // In the cluster these are mysql-0.mysql:3306 and mysql-<N-1>.mysql:3306 (MySQL) or 3307 (MariaDB), the
        // scripts' defaults.
        env.put("PRIMARY_HOST", "127.0.0.1");
        env.put("PRIMARY_PORT", Integer.toString(ordinal == 0 ? port : primary.port));
        if (ordinal > 0) {
            env.put("CLONE_PEER_HOST", "127.0.0.1");
            env.put("CLONE_PEER_PORT", Integer.toString(peer.donorPort()));
        }
        if ("root".equals(System.getProperty("user.name"))) {
            env.put("MYSQLD_USER", "root"); // pods run as uid 999; this machine's tests run as root
        }
        env.put("MYSQL_ROOT_PASSWORD", TestSecrets.ROOT);
        env.put("MYSQL_REPLICATION_PASSWORD", TestSecrets.REPLICATION);
        env.put("MYSQL_APP_PASSWORD", TestSecrets.APP);
        env.put("MYSQL_MONITOR_PASSWORD", TestSecrets.MONITOR);
    }

    /**
     * The pod's mysql-tls Secret: the scripts find it through MYSQL_TLS_DIR (the pod's /etc/mysql/tls), and the tests'
     * connections verify the server against its CA. Every pod needs one: the servers require TLS over TCP.
     */
    ScriptPod useTls(TestTls tls) {
        this.tls = tls;
        env.put("MYSQL_TLS_DIR", tls.server().toString());
        return this;
    }

    /** Where a replica cloning this pod connects: the clone plugin uses the SQL port, mariadb-backup serve-backup.sh's. */
    int donorPort() {
        return flavour == ScriptFlavour.MYSQL ? port : clonePort;
    }

    /** A command as the scripts find it, on their PATH (MySQL's bin directory comes before MariaDB's mysql*). */
    Path command(String name) {
        return Commands.find(name, env.get("PATH"))
                .orElseThrow(() -> new AssertionError(name + " is not on the scripts' PATH " + env.get("PATH")));
    }

    /** Changes one of the environment variables the scripts get, for the scripts run from now on. */
    void setEnv(String name, String value) {
        env.put(name, value);
    }

    Commands.Result script(String name, String... args) {
        List<String> command =
                new ArrayList<>(List.of("bash", Repo.scripts().resolve(name).toString()));
        command.addAll(List.of(args));
        return Commands.run(command, dir, env, SCRIPT_TIMEOUT);
    }

    Commands.Result scriptOrFail(String name, String... args) {
        Commands.Result result = script(name, args);
        if (result.exitCode() != 0) {
            throw new AssertionError(
                    name + " on mysql-" + ordinal + " exited with " + result.exitCode() + ":\n" + result.output());
        }
        return result;
    }

    /** run-server.sh, then waits until probe.sh ready passes. */
    void startServer() {
        server = launch("run-server.sh", dir.resolve("server.log"));
        awaitScript(
                server,
                dir.resolve("server.log"),
                Duration.ofMinutes(2),
                Duration.ofMillis(200),
                "ready",
                "mysql-" + ordinal + " becomes ready");
    }

    /** SIGTERM, like the kubelet: a clean shutdown. */
    void stopServer() {
        stop(server, Duration.ofMinutes(2));
        server = null;
    }

    void startBackupServer() {
        backupServer = launch("serve-backup.sh", dir.resolve("backup-server.log"));
        awaitScript(
                backupServer,
                dir.resolve("backup-server.log"),
                Duration.ofSeconds(30),
                Duration.ofMillis(100),
                "backup",
                "serve-backup.sh listens");
    }

    /** Waits until {@code probe.sh probe} passes; fails at once, with the log, if {@code process} exits first. */
    private void awaitScript(Process process, Path log, Duration within, Duration poll, String probe, String what) {
        await(what)
                .atMost(within)
                .pollDelay(Duration.ZERO)
                .pollInterval(poll)
                .failFast(() -> assertTrue(process.isAlive(), () -> what + ": the process exited; log:\n" + tail(log)))
                .untilAsserted(() -> assertEquals(0, script("probe.sh", probe).exitCode(), () -> "log:\n" + tail(log)));
    }

    void stopBackupServer() {
        stop(backupServer, Duration.ofSeconds(30));
        backupServer = null;
    }

    /** The server's command line, as anyone on the node could read it from /proc. */
    String serverCommandLine() {
        return server.info().commandLine().orElse("");
    }

    /**
     * Waits until serve-backup.sh has logged {@code count} finished backups (the peer may have its stream before the
     * donor writes its last lines) and returns the whole log.
     */
    String awaitBackupsServed(int count) {
        Path log = dir.resolve("backup-server.log");
        return await("serve-backup.sh on mysql-" + ordinal + " finishes " + count + " backup(s)")
                .atMost(Duration.ofSeconds(30))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> Files.readString(log),
                        text -> text.split("\\[stream-backup.sh\\] backup streamed to ", -1).length - 1 >= count);
    }

    /** Over TLS, the server's certificate checked against the pod's CA and its name (127.0.0.1). */
    Connection connect(String user, String password) throws SQLException {
        if (tls == null) {
            throw new IllegalStateException("mysql-" + ordinal + " has no certificate: useTls first");
        }
        return connect(user, password, tls.jdbcParameters(true));
    }

    /** With Connector/J's URL {@code parameters} (sslMode...) as given. */
    Connection connect(String user, String password, String parameters) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mysql://127.0.0.1:" + port + "/?connectTimeout=5000&" + parameters, user, password);
    }

    /** SQL as root@localhost over the socket (root has no TCP account); an error of the client fails the test. */
    String rootSql(String sql) {
        List<String> command = List.of(flavour.client, "-e", sql);
        return socketSql("root", TestSecrets.ROOT, sql)
                .assertSuccess(command)
                .output()
                .strip();
    }

    /**
     * SQL over the socket with the flavour's client, found on the pod's PATH; the credentials go in a private option
     * file. The output holds the client's error, if any.
     */
    Commands.Result socketSql(String user, String password, String sql) {
        Path options = dir.resolve("tmp/test-client.cnf");
        try {
            Files.writeString(
                    options,
                    "[client]\nuser=" + optionValue(user) + "\npassword=" + optionValue(password) + "\nsocket="
                            + dir.resolve("run/mysqld.sock") + "\n");
            Files.setPosixFilePermissions(options, PosixFilePermissions.fromString("rw-------"));
            List<String> command = List.of(
                    command(flavour.client).toString(),
                    "--defaults-file=" + options,
                    "--batch",
                    "--skip-column-names",
                    "-e",
                    sql);
            return Commands.run(command, dir, env, Duration.ofMinutes(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(options);
            } catch (IOException ignored) {
                // the whole directory goes at the end
            }
        }
    }

    /** An option file value, quoted as lib.sh's option_value does: TestSecrets hold #, quotes and backslashes. */
    static String optionValue(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Every file of the data directory and my.cnf: path to size, modification time and SHA-256. */
    Map<String, String> snapshot() {
        Map<String, String> files = new TreeMap<>();
        for (Path top : List.of(dir.resolve("data"), dir.resolve("conf"))) {
            try (Stream<Path> walk = Files.walk(top)) {
                for (Path file : walk.filter(Files::isRegularFile).toList()) {
                    byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
                    files.put(
                            dir.relativize(file).toString(),
                            Files.size(file) + " " + Files.getLastModifiedTime(file) + " "
                                    + HexFormat.of().formatHex(digest));
                }
            } catch (IOException | java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return files;
    }

    @Override
    public void close() {
        stop(backupServer, Duration.ofSeconds(30));
        stop(server, Duration.ofMinutes(2));
    }

    private Process launch(String script, Path log) {
        ProcessBuilder builder = new ProcessBuilder(
                        "bash", Repo.scripts().resolve(script).toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM to the process and whatever it started (socat's forks, a running mariadb-backup); SIGKILL if it lingers. */
    private static void stop(Process process, Duration timeout) {
        if (process == null) {
            return;
        }
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }

    static int freePort() {
        return LoopbackPorts.free();
    }
}

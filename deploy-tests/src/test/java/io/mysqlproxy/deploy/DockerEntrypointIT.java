package io.mysqlproxy.deploy;

import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedServer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The image's ENTRYPOINT + CMD, with its ENV and file layout, in front of a test-bed primary: applications connect
 * through it with JDBC. Without a Docker engine the image is simulated from the Dockerfile (ImageLayout); where
 * `docker info` works, the image is also built and run for real.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerEntrypointIT {

    private static final String IMAGE = "mysql-proxy:deploy-tests";
    private final Dockerfile dockerfile = Dockerfile.read(Repo.path("Dockerfile"));
    private ReplicatedTestBed bed;

    @BeforeAll
    void startTestBed() {
        bed = ReplicatedTestBed.start(1);
    }

    @AfterAll
    void stopTestBed() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void theEntrypointServesApplicationsThroughTheProxy(@TempDir Path dir) throws Exception {
        assumeTrue(Repo.isPackaged(), "proxy-app is not packaged; run `" + DockerfileTest.PACKAGE_COMMAND + "`");
        ImageLayout image = ImageLayout.assemble(dockerfile, dir.resolve("image"));
        // The test bed is MariaDB: mount the MariaDB overlay's extra ConfigMap key beside the image's
        // application.conf, as Kubernetes would (it makes the app account mysql_native_password on the proxy).
        Files.copy(
                Repo.deploy().resolve("components/mariadb/proxy/flavour.conf"),
                image.map("/etc/mysql-proxy/flavour.conf"));
        int port = ScriptPod.freePort();
        Map<String, String> env = new HashMap<>(image.env());
        env.putAll(proxyEnvironment());
        // The image listens on 3306/9090; here other servers may hold those, so the same variables move them.
        env.put("MYSQL_PROXY_PORT", Integer.toString(port));
        env.put("MYSQL_PROXY_ADMIN_PORT", Integer.toString(ScriptPod.freePort()));
        List<String> command = image.command(null);
        assertEquals(
                List.of(
                        image.map("/opt/mysql-proxy/bin/mysql-proxy").toString(),
                        "run",
                        "--config",
                        image.map("/etc/mysql-proxy/application.conf").toString()),
                command);

        Path log = dir.resolve("proxy.log");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(Redirect.to(log.toFile()));
        builder.environment().putAll(env);
        Process proxy = builder.start();
        try {
            awaitListening(proxy, port, log);
            assertTrue(
                    proxy.info().commandLine().orElse("").contains("-XX:MaxRAMPercentage=40.0"),
                    "the JVM runs with the image's JAVA_OPTS: "
                            + proxy.info().commandLine().orElse("?"));
            String url = "jdbc:mysql://127.0.0.1:" + port + "/" + ReplicatedTestBed.APP_DATABASE
                    + "?sslMode=DISABLED&allowPublicKeyRetrieval=true&connectTimeout=5000";
            try (Connection c = DriverManager.getConnection(url, DbAccount.APP.user(), DbAccount.APP.password());
                    Statement s = c.createStatement()) {
                assertEquals(
                        bed.primary().serverId(),
                        queryInt(s, "SELECT @@server_id /* route=primary */"),
                        "the primary is the configured one");
                int reader = queryInt(s, "SELECT @@server_id");
                assertTrue(
                        bed.replicas().stream().anyMatch(r -> r.serverId() == reader),
                        "plain reads go to the replicas, not to " + reader);
                s.execute("CREATE TABLE IF NOT EXISTS entrypoint_it (id INT PRIMARY KEY)");
                s.execute("REPLACE INTO entrypoint_it VALUES (42)");
                // Read-your-writes (session consistency): the row is there, wherever the read goes.
                assertEquals(42, queryInt(s, "SELECT id FROM entrypoint_it"));
            }
        } finally {
            // SIGTERM, as the kubelet sends it; the grace period allows 40 s.
            proxy.destroy();
            if (!proxy.waitFor(40, TimeUnit.SECONDS)) {
                proxy.destroyForcibly();
                throw new AssertionError("the proxy ignored SIGTERM for 40 s; log:\n" + ScriptPod.tail(log));
            }
        }
    }

    @Test
    void theImageBuildsAndServesWhereADockerEngineExists(@TempDir Path dir) throws Exception {
        assumeTrue(
                Commands.available("docker")
                        && Commands.run(List.of("docker", "info"), Duration.ofSeconds(30))
                                        .exitCode()
                                == 0,
                "no Docker engine here (`docker info` fails): the image build and run are exercised only by the simulated layout");
        List<String> build = List.of("docker", "build", "-t", IMAGE, Repo.root().toString());
        Commands.run(build, Duration.ofMinutes(20)).assertSuccess(build);
        int port = ScriptPod.freePort();
        List<String> run = new ArrayList<>(List.of(
                "docker",
                "run",
                "-d",
                "--rm",
                "--network",
                "host",
                "--read-only",
                "--tmpfs",
                "/tmp",
                "-e",
                "MYSQL_PROXY_PORT=" + port,
                "-e",
                "MYSQL_PROXY_ADMIN_PORT=" + ScriptPod.freePort()));
        proxyEnvironment().forEach((k, v) -> run.addAll(List.of("-e", k + "=" + v)));
        run.add(IMAGE);
        String container = Commands.run(run, Duration.ofMinutes(2))
                .assertSuccess(run)
                .output()
                .strip();
        try {
            await("the container listens on " + port)
                    .atMost(Duration.ofMinutes(1))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> accepts(port));
            String url = "jdbc:mysql://127.0.0.1:" + port + "/?sslMode=DISABLED&allowPublicKeyRetrieval=true";
            try (Connection c = DriverManager.getConnection(url, DbAccount.APP.user(), DbAccount.APP.password());
                    Statement s = c.createStatement()) {
                assertEquals(bed.primary().serverId(), queryInt(s, "SELECT @@server_id"));
            }
        } finally {
            Commands.run(List.of("docker", "rm", "-f", container), Duration.ofMinutes(1));
        }
    }

    /** What the Deployment sets (user names from the mysql-env ConfigMap, passwords from the Secret), for the test bed. */
    private Map<String, String> proxyEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("MYSQL_PROXY_USER", DbAccount.APP.user());
        env.put("MYSQL_PROXY_PASSWORD", DbAccount.APP.password());
        env.put("MYSQL_PROXY_MONITOR_USER", DbAccount.MONITOR.user());
        env.put("MYSQL_PROXY_MONITOR_PASSWORD", DbAccount.MONITOR.password());
        env.put("MYSQL_PROXY_PRIMARY", address(bed.primary()));
        // Outside a cluster: the replicas listed, instead of the Service's endpoints the image's configuration follows.
        env.put("MYSQL_PROXY_DISCOVERY", "static");
        env.put(
                "MYSQL_PROXY_REPLICAS",
                String.join(
                        ",",
                        bed.replicas().stream().map(DockerEntrypointIT::address).toList()));
        return env;
    }

    private static String address(TestBedServer server) {
        return server.host() + ":" + server.port();
    }

    private static void awaitListening(Process proxy, int port, Path log) {
        try {
            await("the proxy listens on " + port)
                    .atMost(Duration.ofMinutes(1))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100))
                    .failFast(() -> assertTrue(
                            proxy.isAlive(),
                            () -> "the proxy exited with " + proxy.exitValue() + "; log:\n" + ScriptPod.tail(log)))
                    .until(() -> accepts(port));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "the proxy did not listen on " + port + " within a minute; log:\n" + ScriptPod.tail(log), e);
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int queryInt(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getInt(1);
        }
    }
}

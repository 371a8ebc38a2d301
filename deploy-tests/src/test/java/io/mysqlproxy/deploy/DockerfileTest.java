package io.mysqlproxy.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Dockerfile read as text and its commands run against the local build; DockerEntrypointIT serves traffic through it. */
class DockerfileTest {

    /** What the README tells developers to run, and what the image's build stage must run too. */
    static final String PACKAGE_COMMAND = "mvn -DskipTests package";

    private final Dockerfile dockerfile = Dockerfile.read(Repo.path("Dockerfile"));

    @Test
    void isMultiStageWithPinnedBaseImages() {
        assertEquals(2, dockerfile.stages().size());
        for (Dockerfile.Stage stage : dockerfile.stages()) {
            String tag = stage.image().substring(stage.image().lastIndexOf(':') + 1);
            assertTrue(
                    stage.image().contains(":") && tag.matches(".*\\d+\\.\\d+.*") && !tag.equals("latest"),
                    stage.image() + " must be pinned to a version");
        }
        assertTrue(dockerfile.stage("build").image().startsWith("maven:"));
        assertTrue(dockerfile.finalStage().image().matches("eclipse-temurin:21[.\\d_]*-jre.*"), "a JRE 21 runtime");
    }

    @Test
    void theBuildStageRunsTheProjectsPackageCommand() {
        List<Dockerfile.Instruction> runs = dockerfile.stage("build").all("RUN");
        assertEquals(1, runs.size());
        String command = Dockerfile.runCommand(runs.get(0)).replaceAll("\\s(-B|--batch-mode)\\b", "");
        assertEquals(PACKAGE_COMMAND, command, "batch mode aside, the image builds exactly like a developer");
    }

    @Test
    void theRuntimeIsUnprivilegedAndExposesBothPorts() {
        Dockerfile.Stage runtime = dockerfile.finalStage();
        String user = runtime.last("USER").arguments().strip();
        assertTrue(
                user.matches("[1-9]\\d{3,}(:[1-9]\\d{3,})?"),
                "a numeric non-root uid (runAsNonRoot can verify it): " + user);
        assertEquals(
                List.of("3306", "9090"),
                List.of(runtime.last("EXPOSE").arguments().strip().split("\\s+")));
        Map<String, String> env = runtime.env();
        assertEquals("3306", env.get("MYSQL_PROXY_PORT"));
        assertEquals("9090", env.get("MYSQL_PROXY_ADMIN_PORT"));
        assertTrue(env.get("JAVA_OPTS").contains("MaxRAMPercentage"), "heap sized from the container's memory limit");
        assertTrue(env.get("JAVA_OPTS").contains("-XX:-UsePerfData"), "nothing written outside /tmp");
        assertEquals(
                List.of("run", "--config", "/etc/mysql-proxy/application.conf"),
                Dockerfile.execForm(runtime.last("CMD")));
        List<String> entrypoint = Dockerfile.execForm(runtime.last("ENTRYPOINT"));
        assertEquals(1, entrypoint.size());
        assertTrue(
                entrypoint.get(0).startsWith(env.get("MYSQL_PROXY_HOME") + "/"),
                "the launcher sits in MYSQL_PROXY_HOME");
    }

    @Test
    void theDockerignoreKeepsWhatTheBuildReadsAndDropsBuildOutput() throws IOException {
        List<String> rules = Files.readAllLines(Repo.path(".dockerignore")).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        assertTrue(rules.contains("**/target/"), "local build output stays out of the context");
        assertTrue(rules.contains(".git/"));
        for (String kept : List.of("pom.xml", "bin", "proxy-app", "proxy-core", "proxy-protocol", "proxy-testbed")) {
            assertFalse(rules.contains(kept) || rules.contains(kept + "/"), kept + " is needed by the build");
        }
        assertTrue(rules.contains("!deploy/base/proxy/application.conf"), "the image's default configuration");
        assertFalse(
                rules.contains("deploy-tests/") || rules.contains("deploy-tests"),
                "the reactor lists deploy-tests, so its pom must be in the context");
    }

    /** The image's ENTRYPOINT with `check-config`, its ENV and its file layout, against the packaged jars. */
    @Test
    void theEntrypointRunsTheLauncherWithTheImagesEnvironment(@TempDir Path dir) {
        assumeTrue(Repo.isPackaged(), "proxy-app is not packaged; run `" + PACKAGE_COMMAND + "` (mvn verify does)");
        ImageLayout image = ImageLayout.assemble(dockerfile, dir);
        assertTrue(Files.isExecutable(image.map("/opt/mysql-proxy/bin/mysql-proxy")));
        assertTrue(Files.isRegularFile(image.map("/opt/mysql-proxy/lib/proxy-app.jar")));
        Map<String, String> env = new java.util.HashMap<>(image.env());
        env.put("MYSQL_PROXY_USER", "app");
        env.put("MYSQL_PROXY_PASSWORD", TestSecrets.APP);
        List<String> command = image.command(List.of(
                "check-config", image.map("/etc/mysql-proxy/application.conf").toString()));
        Commands.Result result =
                Commands.run(command, dir, env, Duration.ofMinutes(2)).assertSuccess(command);
        assertTrue(result.output().contains("configuration OK: listen 0.0.0.0:3306"), result.output());
    }
}

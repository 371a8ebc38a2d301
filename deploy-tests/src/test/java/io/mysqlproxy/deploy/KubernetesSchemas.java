package io.mysqlproxy.deploy;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The Kubernetes OpenAPI schemas, and the CRDs' that deploy/ uses, as the npm packages
 * {@code kubernetes-models} and {@code @kubernetes-models/*} check them: {@code src/test/node/validate.mjs},
 * with the exact versions of its package-lock.json installed by {@code npm ci} into
 * {@code target/schema-validator} once (again only when the lock changes). Needs node and npm, as the
 * render tests need kubectl: scripts/debian-packages.sh installs both, and a machine without them
 * skips these tests.
 */
final class KubernetesSchemas {

    private static final Path SOURCE = Repo.path("deploy-tests/src/test/node");
    private static final Path INSTALLED = Repo.path("deploy-tests/target/schema-validator");
    private static final List<String> FILES = List.of("package.json", "package-lock.json", "validate.mjs");
    /** The lock that node_modules was installed from: a different one means install again. */
    private static final String STAMP = "node_modules/.installed-from-lock.json";

    /** validate.mjs's exit status when it found problems, apart from node's 1 for a crash. */
    private static final int FOUND_PROBLEMS = 3;

    private static boolean ready;

    private KubernetesSchemas() {}

    static void assumeNode() {
        Assumptions.assumeTrue(
                Commands.available("node") && Commands.available("npm"),
                "node and npm are not installed; the schema validation of deploy/ needs them");
    }

    /**
     * Every schema violation in {@code yaml} (one or more documents), one line each as
     * "Kind/name: /json/path: message"; an object of a kind no schema covers is one too. Empty if
     * everything is valid.
     */
    static List<String> problems(String yaml, Path scratch) {
        Path validator = install();
        Path input = scratch.resolve("objects.yaml");
        try {
            Files.writeString(input, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = List.of("node", validator.toString(), input.toString());
        Commands.Result result = Commands.run(command, INSTALLED, null, Duration.ofMinutes(1));
        List<String> lines = Arrays.stream(result.output().split("\n"))
                .filter(line -> !line.isBlank())
                .toList();
        return switch (result.exitCode()) {
            case 0 -> List.of();
            case FOUND_PROBLEMS -> lines;
            // A crash (node exits 1 on an uncaught error) is neither a pass nor a list of problems.
            default ->
                throw new AssertionError("`" + String.join(" ", command) + "` exited with " + result.exitCode() + ":\n"
                        + result.output());
        };
    }

    private static synchronized Path install() {
        assumeNode();
        if (ready) {
            return INSTALLED.resolve("validate.mjs");
        }
        try {
            Files.createDirectories(INSTALLED);
            for (String file : FILES) {
                Files.copy(SOURCE.resolve(file), INSTALLED.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            byte[] lock = Files.readAllBytes(SOURCE.resolve("package-lock.json"));
            Path stamp = INSTALLED.resolve(STAMP);
            if (!Files.isRegularFile(stamp) || !Arrays.equals(lock, Files.readAllBytes(stamp))) {
                List<String> npm = List.of("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund");
                // npm ci fetches from the registry (or npm's cache in ~/.npm) exactly what the lock names.
                Commands.run(npm, INSTALLED, Map.of("NODE_ENV", "production"), Duration.ofMinutes(5))
                        .assertSuccess(npm);
                Files.write(stamp, lock);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ready = true;
        return INSTALLED.resolve("validate.mjs");
    }
}

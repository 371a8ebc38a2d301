package io.mysqlproxy.app;

import io.mysqlproxy.testbed.DbAccount;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * COM_CHANGE_USER as MariaDB Connector/C (libmariadb, the library under the {@code mariadb} command-line
 * client) sends it, driven through Debian's {@code python3-mysqldb}: the client itself has no command for
 * it. Runs {@code connector-c/change_user.py} with the system Python, never a pyenv one on PATH.
 */
final class ConnectorCChangeUser {

    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final String PACKAGE = "python3-mysqldb";
    private static final long TIMEOUT_SECONDS = 120;

    private ConnectorCChangeUser() {}

    /** Whether the system Python can import MySQLdb (the package {@link #PACKAGE}). */
    static boolean installed() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import MySQLdb._mysql")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return probe.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) && probe.exitValue() == 0;
    }

    /**
     * Logs in to 127.0.0.1:{@code port} as the first account, then changes user to each next one in turn,
     * stopping at the first failure; one line per step: the CURRENT_USER() after it, or {@code error <code>}.
     */
    static List<String> run(Path tmp, int port, List<DbAccount> steps) throws IOException, InterruptedException {
        Path script = tmp.resolve("change_user.py");
        try (InputStream in = ConnectorCChangeUser.class.getResourceAsStream("/connector-c/change_user.py")) {
            Files.write(script, in.readAllBytes());
        }
        StringBuilder input = new StringBuilder();
        for (DbAccount step : steps) {
            input.append(step.user()).append('\t').append(step.password()).append('\n');
        }
        Path stdin = Files.writeString(tmp.resolve("steps.txt"), input, StandardCharsets.UTF_8);
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        Process process = new ProcessBuilder(PYTHON.toString(), script.toString(), Integer.toString(port))
                .redirectInput(stdin.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("change_user.py did not finish within " + TIMEOUT_SECONDS + " s\nstdout:\n" + Files.readString(out)
                    + "\nstderr:\n" + Files.readString(err));
        }
        if (process.exitValue() != 0) {
            fail("change_user.py exited with " + process.exitValue() + "\nstdout:\n" + Files.readString(out)
                    + "\nstderr:\n" + Files.readString(err));
        }
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }
}

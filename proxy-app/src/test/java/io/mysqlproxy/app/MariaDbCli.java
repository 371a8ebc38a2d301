package io.mysqlproxy.app;

import io.mysqlproxy.testbed.DbAccount;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** The real {@code mariadb} command-line client (libmariadb), run in batch mode against a server on 127.0.0.1. */
final class MariaDbCli {

    static final Path CLIENT = Path.of("/usr/bin/mariadb");
    private static final long TIMEOUT_SECONDS = 120;

    /** How a run ended: exit code, standard output and standard error. */
    record Run(int exit, String out, String err) {}

    private MariaDbCli() {}

    static boolean installed() {
        return Files.isExecutable(CLIENT);
    }

    /**
     * Runs the client as {@code account} against 127.0.0.1:{@code port} with {@code args}, then {@code database}
     * (none if null); {@code stdin} (may be null) is its input; {@code tmp} holds its captured output.
     */
    static Run run(Path tmp, int port, DbAccount account, List<String> args, String database, Path stdin)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                CLIENT.toString(),
                "--no-defaults",
                "--protocol=TCP",
                "--host=127.0.0.1",
                "--port=" + port,
                "--user=" + account.user(),
                "--default-character-set=utf8mb4",
                "--connect-timeout=30",
                "--batch"));
        command.addAll(args);
        if (database != null) {
            command.add(database);
        }
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(
                        stdin == null ? Redirect.from(Path.of("/dev/null").toFile()) : Redirect.from(stdin.toFile()));
        builder.environment().put("MYSQL_PWD", account.password());
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("mariadb client did not finish within " + TIMEOUT_SECONDS + " s: " + command + "\nstdout:\n"
                    + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
        }
        return new Run(
                process.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}

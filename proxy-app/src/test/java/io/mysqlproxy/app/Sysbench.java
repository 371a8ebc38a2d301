package io.mysqlproxy.app;

import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sysbench against the test bed's application schema as its {@code app} user, on 127.0.0.1: a
 * command run to its end, or a load started in the background and awaited. Any run that exits
 * non-zero (sysbench stops at the first error it is not told to ignore) fails the test.
 */
final class Sysbench {

    static final String BINARY = "/usr/bin/sysbench";

    /** The LD_PRELOAD shim that lets Debian's sysbench reconnect (see bench/lib/sysbench-reconnect.c). */
    private static final Path RECONNECT_SHIM_SOURCE = Path.of("..", "bench", "lib", "sysbench-reconnect.c");

    private static Path reconnectShim;

    private final String test;
    private final List<String> options;

    /** {@code test} (oltp_read_write, oltp_point_select...) with {@code options} added to every command. */
    Sysbench(String test, String... options) {
        this.test = test;
        List<String> all = new ArrayList<>(List.of(
                "--mysql-host=127.0.0.1",
                "--mysql-user=" + DbAccount.APP.user(),
                "--mysql-password=" + DbAccount.APP.password(),
                "--mysql-db=" + ReplicatedTestBed.APP_DATABASE,
                "--mysql-ssl=off"));
        all.addAll(List.of(options));
        this.options = List.copyOf(all);
    }

    static boolean installed() {
        return new File(BINARY).canExecute();
    }

    /** Runs {@code command} (prepare, run, cleanup) against {@code port} and returns its output. */
    String run(int port, String command, String... extra) throws IOException, InterruptedException {
        return start(port, command, extra).await(120);
    }

    /** Starts {@code command} against {@code port} in the background. */
    Running start(int port, String command, String... extra) throws IOException {
        return start(port, false, command, extra);
    }

    /**
     * Starts {@code command} with the reconnect shim preloaded: Debian's sysbench 1.0.20 (on libmariadb) crashes
     * on its first reconnect after a lost connection (akopytov/sysbench#527) unless the shim is there.
     */
    Running startReconnecting(int port, String command, String... extra) throws IOException {
        return start(port, true, command, extra);
    }

    private Running start(int port, boolean reconnecting, String command, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(BINARY, test));
        args.addAll(options);
        args.add("--mysql-port=" + port);
        args.addAll(List.of(extra));
        args.add(command);
        Path out = Files.createTempFile("sysbench", ".log");
        ProcessBuilder builder =
                new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(out.toFile());
        if (reconnecting) {
            builder.environment().put("LD_PRELOAD", reconnectShim().toString());
        }
        Process process = builder.start();
        return new Running(command, process, out);
    }

    /** Builds the shim once per JVM with the system's C compiler (scripts/debian-packages.sh installs gcc). */
    private static synchronized Path reconnectShim() throws IOException {
        if (reconnectShim == null) {
            Path library = Files.createTempDirectory("sysbench-reconnect").resolve("sysbench-reconnect.so");
            try {
                Process cc = new ProcessBuilder(
                                "cc",
                                "-O2",
                                "-shared",
                                "-fPIC",
                                "-o",
                                library.toString(),
                                RECONNECT_SHIM_SOURCE.toString(),
                                "-ldl")
                        .redirectErrorStream(true)
                        .start();
                String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (cc.waitFor() != 0) {
                    throw new IOException("cc failed to build the sysbench reconnect shim: " + output);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while building the sysbench reconnect shim", e);
            }
            reconnectShim = library;
        }
        return reconnectShim;
    }

    /** A sysbench process under way. */
    static final class Running {
        private final String command;
        private final Process process;
        private final Path out;

        private Running(String command, Process process, Path out) {
            this.command = command;
            this.process = process;
            this.out = out;
        }

        boolean alive() {
            return process.isAlive();
        }

        /** Waits for the end, at most {@code seconds}; asserts exit code 0 and returns the output. */
        String await(int seconds) throws IOException, InterruptedException {
            try {
                if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("sysbench " + command + " did not finish: " + Files.readString(out));
                }
                String output = Files.readString(out, StandardCharsets.UTF_8);
                assertEquals(0, process.exitValue(), "sysbench " + command + " failed:\n" + output);
                return output;
            } finally {
                Files.deleteIfExists(out);
            }
        }
    }

    /** The number the first group of {@code regex} finds in {@code output}. */
    static long number(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        assertTrue(m.find(), "no '" + regex + "' in sysbench output:\n" + output);
        return Long.parseLong(m.group(1));
    }
}

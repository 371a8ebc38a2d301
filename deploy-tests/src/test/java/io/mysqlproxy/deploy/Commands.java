package io.mysqlproxy.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs short external commands with a bounded wait and captures what they print. */
final class Commands {

    /** @param exitCode the exit status; @param output stdout and stderr, interleaved */
    record Result(int exitCode, String output) {
        Result assertSuccess(List<String> command) {
            if (exitCode != 0) {
                throw new AssertionError(
                        "`" + String.join(" ", command) + "` exited with " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    private Commands() {}

    static boolean available(String program) {
        return find(program, System.getenv().getOrDefault("PATH", "/usr/bin:/bin"))
                .isPresent();
    }

    /**
     * {@code program} as a search of {@code path} finds it. A ProcessBuilder looks a bare name up in this JVM's PATH,
     * whatever PATH it passes on to the child.
     */
    static Optional<Path> find(String program, String path) {
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Path.of(dir, program).toFile().canExecute()) {
                return Optional.of(Path.of(dir, program));
            }
        }
        return Optional.empty();
    }

    static Result run(List<String> command, Path workDir, Map<String, String> env, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        if (env != null) {
            builder.environment().putAll(env);
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + command, e);
        }
        closeQuietly(process);
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("`" + String.join(" ", command) + "` did not finish within " + timeout + ":\n"
                        + output.getNow("(no output)"));
            }
            return new Result(process.exitValue(), output.get(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("Interrupted running " + command, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Cannot read the output of " + command, e);
        }
    }

    static Result run(List<String> command, Duration timeout) {
        return run(command, null, null, timeout);
    }

    /** Commands get no input: an empty, closed stdin. */
    private static void closeQuietly(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // nothing was written; a failed close changes nothing
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

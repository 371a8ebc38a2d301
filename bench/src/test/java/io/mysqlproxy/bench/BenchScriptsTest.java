package io.mysqlproxy.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The sysbench, scale and soak scripts are run by hand, not by the build, so the build at least
 * keeps them sound: shellcheck, following what they source, and strict, executable bash.
 */
class BenchScriptsTest {

    /** Surefire runs in the module's folder, bench/; the scripts source their libraries from the root. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static List<Path> scripts(String folder) throws IOException {
        try (Stream<Path> files = Files.list(ROOT.resolve(folder))) {
            return files.filter(f -> f.toString().endsWith(".sh")).sorted().toList();
        }
    }

    @Test
    void shellcheckPassesOnEveryScript() throws IOException, InterruptedException {
        assumeTrue(onPath("shellcheck"), "shellcheck is not installed (apt-get install -y shellcheck)");
        List<String> command = new ArrayList<>(List.of("shellcheck", "--external-sources", "--severity=style"));
        Stream.concat(scripts("bench").stream(), scripts("bench/lib").stream())
                .map(s -> ROOT.relativize(s).toString())
                .forEach(command::add);
        Process process = new ProcessBuilder(command)
                .directory(ROOT.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "shellcheck did not finish");
        assertEquals(0, process.exitValue(), output);
    }

    @Test
    void everyScriptIsStrictExecutableBashAndEveryLibraryIsSourcedBash() throws IOException {
        List<Path> scripts = scripts("bench");
        assertFalse(scripts.isEmpty(), "no scripts under " + ROOT.resolve("bench"));
        for (Path script : scripts) {
            String text = Files.readString(script);
            assertTrue(text.startsWith("#!/usr/bin/env bash\n"), script + " needs a bash shebang");
            assertTrue(text.contains("\nset -euo pipefail\n"), script + " needs set -euo pipefail");
            assertTrue(Files.isExecutable(script), script + " is not executable");
        }
        for (Path library : scripts("bench/lib")) {
            assertTrue(
                    Files.readString(library).startsWith("# shellcheck shell=bash"),
                    library + " is sourced: it starts with a shellcheck shell directive, not a shebang");
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }
}

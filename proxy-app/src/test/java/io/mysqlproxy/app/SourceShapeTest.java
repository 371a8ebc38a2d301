package io.mysqlproxy.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The shape of the production sources, which the build holds rather than a reviewer's memory: no
 * file over {@value #MAX_LINES} lines (a class that large is several classes), and no {@code // ----}
 * section banners (a class that needs banners has several rooms). Read from every module's
 * {@code src/main/java}, from this module's folder, where Surefire runs.
 */
class SourceShapeTest {

    private static final int MAX_LINES = 400;
    private static final List<String> MODULES = List.of("proxy-protocol", "proxy-core", "proxy-k8s", "proxy-app");

    private static List<Path> sources() throws IOException {
        List<Path> all = new java.util.ArrayList<>();
        for (String module : MODULES) {
            Path root = Path.of("..", module, "src", "main", "java");
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(all::add);
            }
        }
        assertFalse(all.size() < 100, "found only " + all.size() + " sources: run from proxy-app's folder");
        return all;
    }

    @Test
    void noProductionFileIsOverFourHundredLines() throws IOException {
        List<String> large = sources().stream()
                .filter(f -> lines(f).size() > MAX_LINES)
                .map(f -> f + " (" + lines(f).size() + " lines)")
                .toList();
        assertEquals(List.of(), large, "split these by concern");
    }

    @Test
    void noProductionFileHasSectionBanners() throws IOException {
        List<String> bannered = sources().stream()
                .filter(f -> lines(f).stream().anyMatch(line -> line.strip().startsWith("// ----")))
                .map(Path::toString)
                .toList();
        assertEquals(List.of(), bannered, "a class with section banners is several classes");
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

package io.mysqlproxy.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI's exit codes and messages (the process-level launcher is exercised by the deploy tests). */
class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int main(String... args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void checkConfigAcceptsAValidFile() throws Exception {
        Path file = dir.resolve("ok.conf");
        Files.writeString(file, "mysql-proxy.users = [ { name = app, password = pw } ]\n");
        assertEquals(0, main("check-config", file.toString()));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("configuration OK"));
    }

    @Test
    void checkConfigNamesTheBrokenKeyAndExitsTwo() throws Exception {
        Path file = dir.resolve("bad.conf");
        Files.writeString(
                file, "mysql-proxy.users = [ { name = app, password = pw } ]\nmysql-proxy.listen.port = -1\n");
        assertEquals(2, main("check-config", file.toString()));
        assertTrue(err().contains("mysql-proxy.listen.port"), err());
    }

    @Test
    void runWithAnInvalidFileExitsTwoBeforeListening() throws Exception {
        Path file = dir.resolve("bad.conf");
        Files.writeString(
                file,
                "mysql-proxy.users = [ { name = app, password = pw } ]\n"
                        + "mysql-proxy.backends.primary = \"no-port\"\n");
        assertEquals(2, main("run", "--config", file.toString()));
        assertTrue(err().contains("mysql-proxy.backends.primary"), err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, main());
        assertEquals(2, main("frobnicate"));
        assertEquals(2, main("check-config"));
        assertEquals(2, main("run", "--config"));
        assertTrue(err().contains("usage"), err());
        assertEquals(0, main("help"));
    }

    /** Refused before any server starts. */
    @Test
    void demoRefusesAnUnknownFlavourAndAMissingValue() {
        assertEquals(2, main("demo", "--flavour", "postgres"));
        assertTrue(err().contains("use mariadb or mysql"), err());
        assertEquals(2, main("demo", "--flavour"));
        assertTrue(err().contains("usage: mysql-proxy demo [--flavour mariadb|mysql]"), err());
    }
}

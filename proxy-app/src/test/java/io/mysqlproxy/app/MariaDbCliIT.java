package io.mysqlproxy.app;

import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real {@code mariadb} command-line client (libmariadb) through the proxy, with the test bed's standard
 * configuration: the proxy checks {@code app} with caching_sha2_password, which libmariadb completes with the
 * proxy's RSA key (plain connections) or over TLS ({@code --ssl}). Outputs are compared with the same commands run
 * straight against the primary.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
class MariaDbCliIT {

    private final ReplicatedTestBed bed;
    private final ProxyFixture proxy;

    @TempDir
    Path tmp;

    MariaDbCliIT(ReplicatedTestBed bed, ProxyFixture proxy) {
        this.bed = bed;
        this.proxy = proxy;
    }

    @BeforeEach
    void requireClient() {
        assumeTrue(
                MariaDbCli.installed(),
                "the mariadb command-line client is not installed at " + MariaDbCli.CLIENT
                        + " (apt-get install mariadb-client)");
    }

    @Test
    void scriptFromStdinGivesTheSameOutputAsTheServer() throws Exception {
        Path script = tmp.resolve("script.sql");
        Files.writeString(script, """
                DROP TABLE IF EXISTS cli_script;
                CREATE TABLE cli_script (id INT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(8,2),
                  created DATETIME(3), note TEXT) CHARACTER SET utf8mb4;
                INSERT INTO cli_script VALUES
                  (1, 'alpha', 1.50, '2024-01-02 03:04:05.678', NULL),
                  (2, 'ünïcödé ✓', -2.25, '2024-02-29 23:59:59.999', 'tab\\there'),
                  (3, 'quote''s', 0, NULL, 'line1\\nline2');
                UPDATE cli_script SET amount = amount * 2 WHERE id < 3;
                SELECT * FROM cli_script ORDER BY id;
                SELECT COUNT(*) AS n, SUM(amount) AS total FROM cli_script;
                SELECT id, name FROM cli_script WHERE id > 100;
                SELECT seq, seq * seq AS square FROM %s;
                SET sql_mode = 'ERROR_FOR_DIVISION_BY_ZERO';
                SELECT 1/0 AS d;
                SHOW WARNINGS;
                DELETE FROM cli_script WHERE id = 3;
                SELECT ROW_COUNT() AS deleted, (SELECT COUNT(*) FROM cli_script) AS remaining;
                SELECT 'done' AS status;
                """.formatted(bed.flavour().sequence(1, 50)), StandardCharsets.UTF_8);
        MariaDbCli.Run direct = run(bed.primary().port(), List.of(), script);
        MariaDbCli.Run proxied = run(proxy.port(), List.of(), script);
        assertAll(
                () -> assertEquals(0, direct.exit(), direct::err),
                () -> assertTrue(
                        direct.out().contains("ünïcödé ✓")
                                && direct.out().contains("3\t-1.50")
                                && direct.out().contains("50\t2500")
                                && direct.out().contains("Division by 0")
                                && direct.out().endsWith("status\ndone\n"),
                        () -> "unexpected direct output:\n" + direct.out()),
                () -> assertEquals(direct, proxied));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void executeOptionWithSeveralStatements(boolean tls) throws Exception {
        List<String> args = new ArrayList<>();
        if (tls) {
            args.add("--ssl");
        }
        args.add("-e");
        args.add("SELECT 1 AS a; SELECT 'x' AS b, 2.5 AS c UNION ALL SELECT 'y', NULL; SHOW DATABASES LIKE 'app'; "
                + "SELECT CURRENT_USER(), DATABASE(); DO 1; SELECT 'last' AS z");
        MariaDbCli.Run direct = run(bed.primary().port(), args, null);
        MariaDbCli.Run proxied = run(proxy.port(), args, null);
        assertAll(
                () -> assertEquals(0, proxied.exit(), proxied::err),
                () -> assertEquals(
                        "a\n1\nb\tc\nx\t2.5\ny\tNULL\nDatabase (app)\napp\n"
                                + "CURRENT_USER()\tDATABASE()\napp@%\tapp\nz\nlast\n",
                        proxied.out()),
                () -> assertEquals(direct, proxied));
    }

    @Test
    void errorInTheMiddleStopsTheClientAsTheServerWould() throws Exception {
        List<String> args = List.of("-e", "SELECT 1 AS first; SELECT * FROM cli_no_such_table; SELECT 2 AS never");
        MariaDbCli.Run direct = run(bed.primary().port(), args, null);
        MariaDbCli.Run proxied = run(proxy.port(), args, null);
        assertAll(
                () -> assertEquals(1, proxied.exit()),
                () -> assertTrue(proxied.err().contains("ERROR 1146 (42S02)"), proxied::err),
                () -> assertEquals(direct, proxied));
    }

    @ParameterizedTest
    @ValueSource(ints = {10_000, 300_000})
    void loadDataLocalInfile(int rows) throws Exception {
        Path csv = tmp.resolve("rows-" + rows + ".csv");
        long crcSum = 0;
        long idSum = 0;
        CRC32 crc = new CRC32();
        try (BufferedWriter out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            for (int i = 1; i <= rows; i++) {
                String name = i % 10 == 0 ? "ünï-" + i + "-✓" : "name-" + i;
                String line = i + "," + name + "," + (i % 100_000) + "." + String.format("%02d", i % 100);
                out.write(line);
                out.write('\n');
                crc.reset();
                crc.update(line.getBytes(StandardCharsets.UTF_8));
                crcSum += crc.getValue();
                idSum += i;
            }
        }
        String table = "cli_load_" + rows;
        MariaDbCli.Run load = run(
                proxy.port(),
                List.of(
                        "--local-infile=1",
                        "-e",
                        "DROP TABLE IF EXISTS " + table + "; "
                                + "CREATE TABLE " + table
                                + " (id INT PRIMARY KEY, name VARCHAR(64), amount DECIMAL(10,2)) "
                                + "CHARACTER SET utf8mb4; "
                                + "LOAD DATA LOCAL INFILE '" + csv + "' INTO TABLE " + table + " CHARACTER SET utf8mb4 "
                                + "FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n'; "
                                + "SELECT COUNT(*), SUM(id), SUM(CRC32(CONCAT_WS(',', id, name, amount))) FROM "
                                + table),
                null);
        assertEquals(0, load.exit(), load::err);
        assertEquals(
                "COUNT(*)\tSUM(id)\tSUM(CRC32(CONCAT_WS(',', id, name, amount)))\n" + rows + "\t" + idSum + "\t"
                        + crcSum + "\n",
                load.out());
        // The session that loaded is gone; a new one (straight to the server) sees the same rows.
        MariaDbCli.Run check = run(
                bed.primary().port(),
                List.of("-N", "-e", "SELECT COUNT(*), SUM(CRC32(CONCAT_WS(',', id, name, amount))) FROM " + table),
                null);
        assertEquals(rows + "\t" + crcSum + "\n", check.out(), check::err);
    }

    /** Runs the client as {@code app} against 127.0.0.1:{@code port}, database {@code app}. */
    private MariaDbCli.Run run(int port, List<String> args, Path stdin) throws IOException, InterruptedException {
        return MariaDbCli.run(tmp, port, DbAccount.APP, args, ReplicatedTestBed.APP_DATABASE, stdin);
    }
}

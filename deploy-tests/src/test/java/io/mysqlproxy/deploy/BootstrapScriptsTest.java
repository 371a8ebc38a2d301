package io.mysqlproxy.deploy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The bootstrap scripts' static checks and the parts that need no database server (see BootstrapScriptsIT for the rest). */
class BootstrapScriptsTest {

    /** The mysql-tls Secret's files, which init-config.sh names in my.cnf and requires. */
    private static TestTls tls;

    @BeforeAll
    static void makeCertificates(@TempDir Path dir) {
        tls = TestTls.make(dir, "default");
    }

    private static List<Path> scripts() throws IOException {
        try (Stream<Path> files = Files.list(Repo.scripts())) {
            return files.filter(f -> f.toString().endsWith(".sh")).sorted().toList();
        }
    }

    @Test
    void shellcheckPassesOnEveryScript() throws IOException {
        assumeTrue(Commands.available("shellcheck"), "shellcheck is not installed (apt-get install -y shellcheck)");
        List<String> command = new ArrayList<>(List.of("shellcheck", "--external-sources", "--severity=style"));
        scripts().forEach(s -> command.add(s.toString()));
        command.add(TestTls.SCRIPT.toString()); // run by operators, not shipped in the ConfigMap
        Commands.run(command, Duration.ofMinutes(2)).assertSuccess(command);
    }

    @Test
    void everyScriptIsStrictBashAndExecutable() throws IOException {
        for (Path script : scripts()) {
            String text = Files.readString(script);
            if (script.getFileName().toString().equals("lib.sh")) {
                assertTrue(text.startsWith("# shellcheck shell=bash"), "lib.sh is sourced, not run");
                continue;
            }
            assertTrue(text.startsWith("#!/usr/bin/env bash\n"), script + " needs a bash shebang");
            assertTrue(text.contains("\nset -euo pipefail\n"), script + " needs set -euo pipefail");
            assertTrue(Files.isExecutable(script), script + " is not executable");
        }
    }

    /** ordinal -> server_id = 100 + ordinal, ordinal 0 -> primary.cnf, others -> replica.cnf; for both flavours. */
    @ParameterizedTest
    @ValueSource(strings = {"base/mysql/config", "components/mariadb/config"})
    void initConfigDerivesServerIdAndRoleFromTheOrdinal(String configDir, @TempDir Path dir) throws IOException {
        Path configMap = Repo.deploy().resolve(configDir);
        String primary = Files.readString(configMap.resolve("primary.cnf"));
        String replica = Files.readString(configMap.resolve("replica.cnf"));
        String common = Files.readString(configMap.resolve("common.cnf"));
        for (int ordinal : new int[] {0, 1, 2, 17}) {
            Path conf = dir.resolve("conf-" + ordinal);
            Commands.Result result = initConfig(dir, configMap, conf, "mysql-" + ordinal);
            assertEquals(0, result.exitCode(), result.output());
            String myCnf = Files.readString(conf.resolve("my.cnf"));
            assertTrue(myCnf.contains("\nserver_id = " + (100 + ordinal) + "\n"), myCnf);
            assertTrue(myCnf.contains(common), "common.cnf comes first");
            assertEquals(ordinal == 0, myCnf.contains(primary), "primary.cnf only on ordinal 0");
            assertEquals(ordinal != 0, myCnf.contains(replica), "replica.cnf on every other ordinal");
            assertTrue(myCnf.contains("report_host = mysql-" + ordinal + ".mysql\n"), "the pod's stable DNS name");
            assertTrue(myCnf.contains("datadir = " + dir.resolve("data")), "paths come from the environment");
        }
        assertTrue(Files.readString(dir.resolve("conf-1/my.cnf")).contains("read_only = ON"));
    }

    /** The servers get the mysql-tls Secret's certificate from MYSQL_TLS_DIR, and require TLS of every TCP client. */
    @ParameterizedTest
    @ValueSource(strings = {"base/mysql/config", "components/mariadb/config"})
    void initConfigNamesTheCertificateAndRefusesToRunWithoutIt(String configDir, @TempDir Path dir) throws IOException {
        Path configMap = Repo.deploy().resolve(configDir);
        Path conf = dir.resolve("conf");
        Commands.Result result = initConfig(dir, configMap, conf, "mysql-1");
        assertEquals(0, result.exitCode(), result.output());
        String myCnf = Files.readString(conf.resolve("my.cnf"));
        String mysqld = myCnf.substring(myCnf.lastIndexOf("[mysqld]"), myCnf.indexOf("[client]"));
        for (String file : List.of("ca.crt", "tls.crt", "tls.key")) {
            String option = Map.of("ca.crt", "ssl_ca", "tls.crt", "ssl_cert", "tls.key", "ssl_key")
                    .get(file);
            assertTrue(mysqld.contains("\n" + option + " = " + tls.server().resolve(file) + "\n"), mysqld);
        }
        assertTrue(myCnf.contains("\nrequire_secure_transport = ON\n"), "TLS or the socket, nothing else");

        Map<String, String> env = env(dir, configMap, dir.resolve("conf-without"), "mysql-1");
        env.put("MYSQL_TLS_DIR", dir.resolve("no-such-secret").toString());
        List<String> command =
                List.of("bash", Repo.scripts().resolve("init-config.sh").toString());
        Commands.Result refused = Commands.run(command, dir, env, Duration.ofMinutes(1));
        assertEquals(1, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("no-such-secret/ca.crt is missing"), refused.output());
        assertFalse(Files.exists(dir.resolve("conf-without/my.cnf")), "no server configured without a certificate");
    }

    @Test
    void initConfigLeavesAnUpToDateFileAlone(@TempDir Path dir) throws IOException {
        Path configMap = Repo.deploy().resolve("components/mariadb/config");
        Path conf = dir.resolve("conf");
        assertEquals(0, initConfig(dir, configMap, conf, "mysql-1").exitCode());
        Path myCnf = conf.resolve("my.cnf");
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(myCnf, old);
        Commands.Result again = initConfig(dir, configMap, conf, "mysql-1");
        assertEquals(0, again.exitCode(), again.output());
        assertTrue(again.output().contains("is up to date"), again.output());
        assertEquals(old, Files.getLastModifiedTime(myCnf), "an unchanged my.cnf is not rewritten");
        try (Stream<Path> files = Files.list(conf)) {
            assertEquals(List.of(myCnf), files.toList(), "no temporary file is left behind");
        }
        // A different ordinal is a different file.
        Commands.Result other = initConfig(dir, configMap, conf, "mysql-0");
        assertEquals(0, other.exitCode(), other.output());
        assertNotEquals(old, Files.getLastModifiedTime(myCnf));
    }

    @Test
    void theBufferPoolIsHalfTheMemoryLimitInWholeChunks(@TempDir Path dir) throws IOException {
        Path configMap = Repo.deploy().resolve("base/mysql/config");
        Map<String, Long> expected = Map.of(
                "536870912", 268_435_456L, // dev: 512Mi -> 256M
                "8589934592", 4_294_967_296L, // prod: 8Gi -> 4G
                "1000000000", 402_653_184L, // 500 MB rounded down to 3 x 128M
                "100000000", 134_217_728L); // never below one 128M chunk
        for (var entry : expected.entrySet()) {
            Path conf = dir.resolve("conf-" + entry.getKey());
            Map<String, String> env = env(dir, configMap, conf, "mysql-1");
            env.put("MYSQL_MEMORY_LIMIT", entry.getKey());
            List<String> command =
                    List.of("bash", Repo.scripts().resolve("init-config.sh").toString());
            Commands.run(command, dir, env, Duration.ofMinutes(1)).assertSuccess(command);
            assertTrue(
                    Files.readString(conf.resolve("my.cnf"))
                            .contains("\ninnodb_buffer_pool_size = " + entry.getValue() + "\n"),
                    "limit " + entry.getKey());
        }
    }

    @Test
    void aHostnameWithoutOrdinalIsRefused(@TempDir Path dir) {
        Commands.Result result =
                initConfig(dir, Repo.deploy().resolve("base/mysql/config"), dir.resolve("conf"), "mysql");
        assertEquals(1, result.exitCode());
        assertTrue(result.output().contains("does not end in -<ordinal>"), result.output());
        assertFalse(Files.exists(dir.resolve("conf/my.cnf")));
    }

    @Test
    void initDataRefusesAPasswordWithAControlCharacterBeforeTouchingAnything(@TempDir Path dir) {
        Path configMap = Repo.deploy().resolve("components/mariadb/config");
        Path conf = dir.resolve("conf");
        assertEquals(0, initConfig(dir, configMap, conf, "mysql-0").exitCode());
        Map<String, String> env = env(dir, configMap, conf, "mysql-0");
        env.put("MYSQL_ROOT_PASSWORD", "first line\nsecond line");
        env.put("MYSQL_REPLICATION_PASSWORD", "x");
        List<String> command =
                List.of("bash", Repo.scripts().resolve("init-data.sh").toString());
        Commands.Result result = Commands.run(command, dir, env, Duration.ofMinutes(1));
        assertEquals(1, result.exitCode(), result.output());
        assertTrue(
                result.output().contains("MYSQL_ROOT_PASSWORD must not contain control characters"), result.output());
        assertFalse(Files.exists(dir.resolve("data.staging")) || Files.exists(dir.resolve("data")));
    }

    /** Passwords with any printable character: what lib.sh writes is read back unchanged by the real parser. */
    @ParameterizedTest
    @MethodSource("awkwardValues")
    void optionFilesHoldAnyPrintableValue(String value, @TempDir Path dir) {
        assumeTrue(
                Commands.available("my_print_defaults"),
                "my_print_defaults is missing: apt-get install -y mariadb-client");
        Map<String, String> env = env(dir, Repo.deploy().resolve("components/mariadb/config"), dir, "mysql-0");
        env.put("VALUE", value);
        // MariaDB's my_print_defaults reads the file as every client does and prints each option on its own line.
        Commands.Result result = lib(
                dir,
                env,
                "make_options_file \"$VALUE\" \"$VALUE\" && my_print_defaults --defaults-file=\"$OPTIONS_FILE\" client");
        assertEquals(new Commands.Result(0, "--user=" + value + "\n--password=" + value + "\n"), result);
    }

    /** The same values as SQL string literals and option file values: exactly what the scripts interpolate. */
    @Test
    void sqlStringAndOptionValueEscapeOnlyWhatTheyMust(@TempDir Path dir) {
        Map<String, String> env = env(dir, Repo.deploy().resolve("base/mysql/config"), dir, "mysql-0");
        env.put("VALUE", "a#b; c $d 'e\"f\\g\\n ");
        Commands.Result result = lib(dir, env, "sql_string \"$VALUE\"; echo; option_value \"$VALUE\"");
        assertEquals(new Commands.Result(0, "'a#b; c $d ''e\"f\\\\g\\\\n '\n\"a#b; c $d 'e\\\"f\\\\g\\\\n \""), result);
    }

    static Stream<String> awkwardValues() {
        return Stream.of(
                TestSecrets.ROOT,
                TestSecrets.REPLICATION,
                TestSecrets.APP,
                TestSecrets.MONITOR,
                "#starts-with-a-comment",
                "'single-quoted'",
                "\"double-quoted\"",
                "\\",
                "ends with a backslash\\",
                "\\\"",
                "  ");
    }

    /** serve-backup.sh never listens without the certificates that keep its stream to the database pods. */
    @Test
    void theBackupServerRefusesToStartWithoutItsCertificates(@TempDir Path dir) {
        Map<String, String> env = env(dir, Repo.deploy().resolve("components/mariadb/config"), dir, "mysql-0");
        env.put("MYSQL_ROOT_PASSWORD", "x");
        env.put("MYSQL_TLS_DIR", dir.resolve("no-tls").toString());
        List<String> command =
                List.of("bash", Repo.scripts().resolve("serve-backup.sh").toString());
        Commands.Result result = Commands.run(command, dir, env, Duration.ofMinutes(1));
        assertEquals(1, result.exitCode(), result.output());
        assertTrue(
                result.output()
                        .contains(dir.resolve("no-tls/ca.crt") + " is missing (it comes from the mysql-tls Secret)"),
                result.output());
    }

    /** Runs {@code snippet} in bash after sourcing lib.sh, as the scripts do. */
    private static Commands.Result lib(Path dir, Map<String, String> env, String snippet) {
        List<String> command = List.of(
                "bash",
                "-c",
                "set -euo pipefail; source \"$1\"; " + snippet,
                "lib",
                Repo.scripts().resolve("lib.sh").toString());
        return Commands.run(command, dir, env, Duration.ofMinutes(1));
    }

    private static Commands.Result initConfig(Path dir, Path configMap, Path conf, String podName) {
        List<String> command =
                List.of("bash", Repo.scripts().resolve("init-config.sh").toString());
        return Commands.run(command, dir, env(dir, configMap, conf, podName), Duration.ofMinutes(1));
    }

    private static Map<String, String> env(Path dir, Path configMap, Path conf, String podName) {
        Map<String, String> env = new HashMap<>();
        env.put("MYSQL_FLAVOR", configMap.toString().contains("mariadb") ? "mariadb" : "mysql");
        env.put("POD_NAME", podName);
        env.put("CONFIG_MAP_DIR", configMap.toString());
        env.put("CONF_DIR", conf.toString());
        env.put("DATA_DIR", dir.resolve("data").toString());
        env.put("RUN_DIR", dir.resolve("run").toString());
        env.put("TMP_DIR", dir.toString());
        env.put("MYSQL_TLS_DIR", tls.server().toString());
        return env;
    }
}

package io.mysqlproxy.testbed;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A data directory initialised by {@code mariadb-install-db}, copied for every server. Initialising is the
 * slowest step of a server's first start and always yields the same files, so it runs once and the result is
 * cached under {@code java.io.tmpdir}, keyed by server version and recipe, where later JVMs reuse it too.
 */
final class DataDirTemplate {

    static final String DIR_PREFIX = "mysql-proxy-testbed-template-";

    private static final Logger LOG = LoggerFactory.getLogger(DataDirTemplate.class);
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);

    /*
     * root@127.0.0.1 is baked into the template rather than created on each running server: every server needs
     * it before anything else can be done over TCP, and creating it on a running replica would write a local
     * GTID into the replica's binlog, which gtid_strict_mode later rejects as out of order against the primary's.
     * FLUSH PRIVILEGES comes first because install-db runs the server without grant tables, where CREATE USER
     * is refused.
     */
    private static final List<String> EXTRA_SQL = List.of(
            "FLUSH PRIVILEGES;",
            "CREATE USER '" + DbAccount.ROOT.user() + "'@'127.0.0.1' IDENTIFIED BY '" + DbAccount.ROOT.password()
                    + "';",
            "GRANT ALL PRIVILEGES ON *.* TO '" + DbAccount.ROOT.user() + "'@'127.0.0.1' WITH GRANT OPTION;");

    private static Path cached;

    private DataDirTemplate() {}

    /** The template directory, built on first use. */
    static synchronized Path get(MariaDbBinaries binaries) {
        if (cached == null || !Files.isDirectory(cached)) {
            cached = findOrBuild(binaries);
        }
        return cached;
    }

    private static Path findOrBuild(MariaDbBinaries binaries) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<String> installOptions = installOptions();
        Path target = tmp.resolve(DIR_PREFIX + sanitize(binaries.version()) + "-" + recipeHash(installOptions));
        if (Files.isDirectory(target)) {
            return target;
        }
        long started = System.nanoTime();
        Path build = createBuildDir(tmp);
        try {
            Path data = build.resolve("data");
            Path extraSql = build.resolve("root.sql");
            Files.write(extraSql, EXTRA_SQL, StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>();
            command.add(binaries.installDb().toString());
            command.add("--no-defaults");
            command.add("--datadir=" + data);
            command.add("--extra-file=" + extraSql);
            command.addAll(installOptions);
            CommandRunner.run(command, INSTALL_TIMEOUT);
            publish(data, target);
            LOG.info(
                    "Initialised MariaDB {} data-directory template {} in {} ms",
                    binaries.version(),
                    target,
                    (System.nanoTime() - started) / 1_000_000);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot build the data-directory template in " + build, e);
        } finally {
            FileTrees.delete(build);
        }
    }

    private static List<String> installOptions() {
        List<String> options = new ArrayList<>(
                List.of("--skip-test-db", "--skip-name-resolve", "--auth-root-authentication-method=socket"));
        ServerProcessUser.option().ifPresent(options::add);
        // Passed through to the bootstrap server; must match the servers' own setting so the log is not resized.
        options.add("--innodb-log-file-size=" + MariaDbCommandLine.INNODB_LOG_FILE_SIZE);
        return options;
    }

    /** Another JVM may build the same template concurrently: a rename is atomic, and the loser keeps the winner's. */
    private static void publish(Path data, Path target) throws IOException {
        try {
            Files.move(data, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            LOG.debug("Template {} was published concurrently; using it", target);
        } catch (IOException e) {
            if (!Files.isDirectory(target)) {
                throw e;
            }
        }
    }

    private static Path createBuildDir(Path tmp) {
        try {
            return Files.createTempDirectory(tmp, DIR_PREFIX + "build-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a build directory in " + tmp, e);
        }
    }

    private static String sanitize(String version) {
        return version.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String recipeHash(List<String> installOptions) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(String.join("\n", EXTRA_SQL).getBytes(StandardCharsets.UTF_8));
            digest.update(String.join("\n", installOptions).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}

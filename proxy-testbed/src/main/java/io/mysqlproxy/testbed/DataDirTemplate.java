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
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A data directory initialised once per flavour ({@code mariadb-install-db} or {@code mysqld --initialize}), copied
 * for every server. Initialising is the slowest step of a server's first start and always yields the same files,
 * so it runs once and the result is cached under {@code java.io.tmpdir}, keyed by server version and recipe, where
 * later JVMs reuse it too.
 */
final class DataDirTemplate {

    static final String DIR_PREFIX = "mysql-proxy-testbed-template-";

    private static final Logger LOG = LoggerFactory.getLogger(DataDirTemplate.class);
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);

    /*
     * root@127.0.0.1 is baked into the template rather than created on each running server: every server needs
     * it before anything else can be done over TCP, and creating it on a running replica would write a local
     * GTID into the replica's binlog, which the primary's GTID history later trips over.
     */
    private static final Map<ServerFlavour, Path> CACHED = new EnumMap<>(ServerFlavour.class);

    private DataDirTemplate() {}

    /** The template directory, built on first use. */
    static synchronized Path get(ServerBinaries binaries) {
        Path cached = CACHED.get(binaries.flavour());
        if (cached == null || !Files.isDirectory(cached)) {
            cached = findOrBuild(binaries);
            CACHED.put(binaries.flavour(), cached);
        }
        return cached;
    }

    private static Path findOrBuild(ServerBinaries binaries) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        ServerRecipe recipe = binaries.flavour().recipe();
        Path target = tmp.resolve(DIR_PREFIX + sanitize(binaries.version()) + "-" + recipeHash(recipe, binaries));
        if (Files.isDirectory(target)) {
            return target;
        }
        long started = System.nanoTime();
        Path build = createBuildDir(tmp);
        try {
            Path data = build.resolve("data");
            Path extraSql = build.resolve("root.sql");
            Files.write(extraSql, recipe.rootSql(), StandardCharsets.UTF_8);
            CommandRunner.run(recipe.initialise(binaries, data, extraSql), INSTALL_TIMEOUT);
            recipe.prepareTemplate(data);
            publish(data, target);
            LOG.info(
                    "Initialised {} {} data-directory template {} in {} ms",
                    binaries.flavour().displayName(),
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

    /** Paths in the command are placeholders, so only the options and the SQL make a template different. */
    private static String recipeHash(ServerRecipe recipe, ServerBinaries binaries) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            List<String> command = recipe.initialise(binaries, Path.of("data"), Path.of("root.sql"));
            digest.update(String.join("\n", recipe.rootSql()).getBytes(StandardCharsets.UTF_8));
            digest.update(String.join("\n", command).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}

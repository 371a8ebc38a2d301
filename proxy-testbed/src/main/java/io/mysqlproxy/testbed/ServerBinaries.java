package io.mysqlproxy.testbed;

import io.mysqlproxy.testbed.ServerRecipe.BinaryLookup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The executables of one flavour on this machine: the server daemon and, for MariaDB, the data-directory
 * initialiser. They are looked up in the flavour's environment variable's directory first, then in its default
 * locations.
 */
public final class ServerBinaries {

    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);
    private static final Map<ServerFlavour, ServerBinaries> LOCATED = new EnumMap<>(ServerFlavour.class);

    private final ServerFlavour flavour;
    private final Path server;
    private final Optional<Path> installDb;
    private final String version;

    private ServerBinaries(ServerFlavour flavour, Path server, Optional<Path> installDb, String version) {
        this.flavour = flavour;
        this.server = server;
        this.installDb = installDb;
        this.version = version;
    }

    /**
     * Finds the binaries of {@code flavour} once per JVM.
     *
     * @throws IllegalStateException if they are missing; the message names the install command
     */
    public static synchronized ServerBinaries locate(ServerFlavour flavour) {
        ServerBinaries result = LOCATED.get(flavour);
        if (result == null) {
            result = locateIn(flavour, searchDirs(flavour.recipe().binaries()));
            LOCATED.put(flavour, result);
        }
        return result;
    }

    static ServerBinaries locateIn(ServerFlavour flavour, List<Path> dirs) {
        BinaryLookup lookup = flavour.recipe().binaries();
        Optional<Path> server = find(dirs, lookup.serverNames());
        Optional<Path> installDb = find(dirs, lookup.installNames());
        if (server.isEmpty() || (!lookup.installNames().isEmpty() && installDb.isEmpty())) {
            throw new IllegalStateException(flavour.displayName() + " server binaries not found (looked for "
                    + lookup.serverNames() + (lookup.installNames().isEmpty() ? "" : " and " + lookup.installNames())
                    + " in " + dirs + "; set " + lookup.envVariable() + " to use another directory). "
                    + "Install them with: " + lookup.installHint());
        }
        String version =
                parseVersion(CommandRunner.run(List.of(server.get().toString(), "--version"), VERSION_TIMEOUT));
        // Debian's MariaDB also installs a mysqld; a MySQL test bed on MariaDB would test nothing it claims to.
        if (version.contains("MariaDB") != (flavour == ServerFlavour.MARIADB)) {
            throw new IllegalStateException(server.get() + " is version " + version + ", not " + flavour.displayName()
                    + ". Install " + flavour.displayName() + " with: " + lookup.installHint());
        }
        return new ServerBinaries(flavour, server.get(), installDb, version);
    }

    /** Extracts {@code 10.11.19-MariaDB-0+deb12u1} from {@code /usr/sbin/mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for ...}. */
    static String parseVersion(String versionOutput) {
        String[] tokens = versionOutput.trim().split("\\s+");
        for (int i = 0; i < tokens.length - 1; i++) {
            if (tokens[i].equals("Ver")) {
                return tokens[i + 1];
            }
        }
        throw new IllegalStateException("Cannot parse the server version from: " + versionOutput);
    }

    private static List<Path> searchDirs(BinaryLookup lookup) {
        List<Path> dirs = new ArrayList<>();
        String custom = System.getenv(lookup.envVariable());
        if (custom != null && !custom.isBlank()) {
            dirs.add(Path.of(custom));
        }
        lookup.defaultDirs().forEach(dir -> dirs.add(Path.of(dir)));
        return dirs;
    }

    private static Optional<Path> find(List<Path> dirs, List<String> names) {
        for (Path dir : dirs) {
            for (String name : names) {
                Path candidate = dir.resolve(name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    public ServerFlavour flavour() {
        return flavour;
    }

    /** The server daemon ({@code mariadbd} or {@code mysqld}). */
    public Path server() {
        return server;
    }

    /** MariaDB's data-directory initialiser; empty for MySQL, whose server initialises its own. */
    public Optional<Path> installDb() {
        return installDb;
    }

    /** The server's version string, e.g. {@code 10.11.19-MariaDB-0+deb12u1} or {@code 9.7.4-2}. */
    public String version() {
        return version;
    }
}

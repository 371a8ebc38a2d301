package io.mysqlproxy.testbed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The MariaDB executables of this machine: the server daemon and the data-directory initialiser.
 * They are looked up in {@value #BIN_DIR_ENV} first, then in the usual Debian and tarball locations.
 */
public final class MariaDbBinaries {

    /** Environment variable naming a directory that holds {@code mariadbd} and {@code mariadb-install-db}. */
    public static final String BIN_DIR_ENV = "MARIADB_BIN_DIR";

    /** The Debian command that installs everything the test bed runs. */
    public static final String INSTALL_COMMAND = "apt-get install -y mariadb-server mariadb-client";

    private static final List<String> DEFAULT_DIRS = List.of("/usr/sbin", "/usr/bin", "/usr/local/mysql/bin");
    private static final List<String> SERVER_NAMES = List.of("mariadbd", "mysqld");
    private static final List<String> INSTALL_DB_NAMES = List.of("mariadb-install-db", "mysql_install_db");
    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);

    private static volatile MariaDbBinaries located;

    private final Path server;
    private final Path installDb;
    private final String version;

    private MariaDbBinaries(Path server, Path installDb, String version) {
        this.server = server;
        this.installDb = installDb;
        this.version = version;
    }

    /**
     * Finds the binaries once per JVM.
     *
     * @throws IllegalStateException if they are missing; the message names the install command
     */
    public static MariaDbBinaries locate() {
        MariaDbBinaries result = located;
        if (result == null) {
            synchronized (MariaDbBinaries.class) {
                result = located;
                if (result == null) {
                    result = locateIn(searchDirs());
                    located = result;
                }
            }
        }
        return result;
    }

    static MariaDbBinaries locateIn(List<Path> dirs) {
        Optional<Path> server = find(dirs, SERVER_NAMES);
        Optional<Path> installDb = find(dirs, INSTALL_DB_NAMES);
        if (server.isEmpty() || installDb.isEmpty()) {
            throw new IllegalStateException("MariaDB server binaries not found (looked for " + SERVER_NAMES + " and "
                    + INSTALL_DB_NAMES + " in " + dirs + "; set " + BIN_DIR_ENV + " to use another directory). "
                    + "Install them with: " + INSTALL_COMMAND);
        }
        String output = CommandRunner.run(List.of(server.get().toString(), "--version"), VERSION_TIMEOUT);
        return new MariaDbBinaries(server.get(), installDb.get(), parseVersion(output));
    }

    /** Extracts {@code 10.11.19-MariaDB-0+deb12u1} from {@code /usr/sbin/mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for ...}. */
    static String parseVersion(String versionOutput) {
        String[] tokens = versionOutput.trim().split("\\s+");
        for (int i = 0; i < tokens.length - 1; i++) {
            if (tokens[i].equals("Ver")) {
                return tokens[i + 1];
            }
        }
        throw new IllegalStateException("Cannot parse MariaDB version from: " + versionOutput);
    }

    private static List<Path> searchDirs() {
        List<Path> dirs = new ArrayList<>();
        String custom = System.getenv(BIN_DIR_ENV);
        if (custom != null && !custom.isBlank()) {
            dirs.add(Path.of(custom));
        }
        DEFAULT_DIRS.forEach(dir -> dirs.add(Path.of(dir)));
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

    /** The server daemon ({@code mariadbd} or {@code mysqld}). */
    public Path server() {
        return server;
    }

    /** The data-directory initialiser ({@code mariadb-install-db} or {@code mysql_install_db}). */
    public Path installDb() {
        return installDb;
    }

    /** The server's version string, e.g. {@code 10.11.19-MariaDB-0+deb12u1}. */
    public String version() {
        return version;
    }
}

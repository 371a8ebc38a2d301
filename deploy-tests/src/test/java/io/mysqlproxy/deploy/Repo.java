package io.mysqlproxy.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in this repository, found from the {@code project.root} system property the pom sets (or the working directory). */
final class Repo {

    private static final Path ROOT = locate();

    private Repo() {}

    static Path root() {
        return ROOT;
    }

    static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    static Path deploy() {
        return path("deploy");
    }

    static Path scripts() {
        return path("deploy/base/scripts");
    }

    /** Where {@code mvn package} puts the launcher's jars (proxy-app's copy-dependencies and antrun). */
    static Path packagedLib() {
        return path("proxy-app/target/mysql-proxy/lib");
    }

    static boolean isPackaged() {
        Path lib = packagedLib();
        return Files.isRegularFile(lib.resolve("proxy-app.jar"));
    }

    private static Path locate() {
        String configured = System.getProperty("project.root");
        Path start = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("deploy")) && Files.isRegularFile(dir.resolve("Dockerfile"))) {
                return dir;
            }
        }
        throw new IllegalStateException("Cannot find the repository root (with deploy/ and Dockerfile) from " + start);
    }
}

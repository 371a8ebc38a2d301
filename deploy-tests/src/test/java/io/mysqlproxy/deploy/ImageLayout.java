package io.mysqlproxy.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The runtime image's file system as the Dockerfile's final stage would lay it out, assembled in a directory from
 * the local build (the build stage runs the project's own package command, so its output is the same). The
 * ENTRYPOINT, CMD and ENV of the image can then be run without a Docker engine, with image paths mapped into it.
 */
final class ImageLayout {

    private final Dockerfile dockerfile;
    private final Path root;
    private final Set<String> imagePrefixes = new LinkedHashSet<>();

    private ImageLayout(Dockerfile dockerfile, Path root) {
        this.dockerfile = dockerfile;
        this.root = root;
    }

    static ImageLayout assemble(Dockerfile dockerfile, Path root) {
        ImageLayout layout = new ImageLayout(dockerfile, root);
        for (Dockerfile.Copy copy : dockerfile.finalStage().copies()) {
            layout.apply(copy);
        }
        return layout;
    }

    private void apply(Dockerfile.Copy copy) {
        String base = "/";
        if (copy.fromStage() != null) {
            // COPY --from=build /src/x: the build stage copied the whole context to its WORKDIR.
            base = dockerfile
                    .stage(copy.fromStage())
                    .last("WORKDIR")
                    .arguments()
                    .strip();
        }
        Path destination = map(copy.destination());
        // The first two levels of each destination (/opt/mysql-proxy, /etc/mysql-proxy) are "the image's own".
        Path normalized = Path.of(copy.destination()).normalize();
        imagePrefixes.add("/" + normalized.subpath(0, Math.min(2, normalized.getNameCount())));
        for (String source : copy.sources()) {
            Path local = localSource(base, source);
            try {
                if (Files.isDirectory(local)) {
                    copyTree(local, destination);
                } else {
                    Path target =
                            copy.destination().endsWith("/") ? destination.resolve(local.getFileName()) : destination;
                    Files.createDirectories(target.getParent());
                    Files.copy(local, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot lay out " + source + " -> " + copy.destination(), e);
            }
        }
    }

    private static Path localSource(String base, String source) {
        String relative = source;
        if (source.startsWith("/")) {
            String prefix = base.endsWith("/") ? base : base + "/";
            if (!source.startsWith(prefix)) {
                throw new AssertionError("COPY source " + source + " is outside the build stage's WORKDIR " + base);
            }
            relative = source.substring(prefix.length());
        }
        Path local = Repo.root().resolve(relative).normalize();
        if (!Files.exists(local)) {
            throw new AssertionError(
                    "COPY source " + source + " does not exist locally as " + local + " (is proxy-app packaged?)");
        }
        return local;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    Path root() {
        return root;
    }

    /** An absolute path in the image to the same path under the layout's root. */
    Path map(String imagePath) {
        return root.resolve(imagePath.replaceFirst("^/+", ""));
    }

    /** Rewrites a value if it names something the image's COPYs created (e.g. /opt/mysql-proxy, /etc/mysql-proxy). */
    String rewrite(String value) {
        for (String prefix : imagePrefixes) {
            if (value.equals(prefix) || value.startsWith(prefix + "/")) {
                return map(value).toString();
            }
        }
        return value;
    }

    /** The image's ENV with its paths mapped. */
    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        dockerfile.finalStage().env().forEach((k, v) -> env.put(k, rewrite(v)));
        return env;
    }

    /** ENTRYPOINT followed by CMD (or by {@code args} in place of CMD, as Kubernetes' args do), paths mapped. */
    List<String> command(List<String> args) {
        List<String> command = new ArrayList<>();
        Dockerfile.execForm(dockerfile.finalStage().last("ENTRYPOINT")).forEach(w -> command.add(rewrite(w)));
        List<String> cmd = args != null
                ? args
                : Dockerfile.execForm(dockerfile.finalStage().last("CMD"));
        cmd.forEach(w -> command.add(rewrite(w)));
        return command;
    }
}

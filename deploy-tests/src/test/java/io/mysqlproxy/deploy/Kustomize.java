package io.mysqlproxy.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * {@code kubectl kustomize deploy/overlays/NAME}, loaded onto fabric8's typed model. A kind the model does not
 * know, or a field it does not know (which fabric8 would keep in {@code additionalProperties}), fails the load.
 */
final class Kustomize {

    private static final Map<String, Rendered> CACHE = new ConcurrentHashMap<>();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static {
        SERIALIZATION.registerKubernetesResource(PodMonitor.class);
        SERIALIZATION.registerKubernetesResource(CertManager.Issuer.class);
        SERIALIZATION.registerKubernetesResource(CertManager.Certificate.class);
    }

    private Kustomize() {}

    /** Every overlay directory under deploy/overlays. */
    static List<String> overlays() {
        return kustomizationsIn("overlays");
    }

    /** The directories under deploy/{@code folder} that hold a kustomization.yaml, by name. */
    static List<String> kustomizationsIn(String folder) {
        try (Stream<Path> dirs = Files.list(Repo.deploy().resolve(folder))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml")))
                    .map(d -> d.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assumeKubectl() {
        Assumptions.assumeTrue(
                Commands.available("kubectl"),
                "kubectl (with its built-in kustomize) is not installed; the deploy/ render tests need it");
    }

    static Rendered render(String overlay) {
        assumeKubectl();
        return CACHE.computeIfAbsent(overlay, Kustomize::build);
    }

    /**
     * An overlay with one more component, as an operator would combine them (e.g. mariadb with networkpolicy): a
     * kustomization in a temporary directory that names both by relative path (kustomize refuses absolute ones).
     */
    static Rendered renderWith(String overlay, String component) {
        assumeKubectl();
        return CACHE.computeIfAbsent(overlay + "+" + component, key -> {
            try {
                Path dir = Files.createTempDirectory("kustomize-" + overlay + "-");
                Path real = dir.toRealPath();
                String text = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - "
                        + real.relativize(Repo.deploy()
                                .resolve("overlays")
                                .resolve(overlay)
                                .toRealPath())
                        + "\ncomponents:\n  - "
                        + real.relativize(Repo.deploy()
                                .resolve("components")
                                .resolve(component)
                                .toRealPath())
                        + "\n";
                Files.writeString(dir.resolve("kustomization.yaml"), text);
                try {
                    return build(key, dir);
                } finally {
                    Files.delete(dir.resolve("kustomization.yaml"));
                    Files.delete(dir);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Rendered build(String overlay) {
        return build(overlay, Repo.deploy().resolve("overlays").resolve(overlay));
    }

    private static Rendered build(String overlay, Path dir) {
        List<String> command = List.of("kubectl", "kustomize", dir.toString());
        Commands.Result result = Commands.run(command, Duration.ofMinutes(2));
        if (result.exitCode() != 0) {
            throw new AssertionError("kubectl kustomize " + overlay + " failed:\n" + result.output());
        }
        String text = result.output();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : text.split("(?m)^---\\s*$")) {
            if (document.isBlank()) {
                continue;
            }
            KubernetesResource resource = SERIALIZATION.unmarshal(document);
            if (!(resource instanceof HasMetadata object) || resource instanceof GenericKubernetesResource) {
                throw new AssertionError(overlay + ": the typed model does not know this kind:\n" + document);
            }
            StrictModel.assertNoUnknownFields(
                    object,
                    overlay + " " + object.getKind() + "/"
                            + object.getMetadata().getName());
            objects.add(object);
        }
        return new Rendered(overlay, text, List.copyOf(objects));
    }

    /** One overlay's output. */
    record Rendered(String overlay, String text, List<HasMetadata> objects) {

        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> T one(Class<T> type, String name) {
            List<T> matches = all(type).stream()
                    .filter(o -> o.getMetadata().getName().equals(name))
                    .toList();
            if (matches.size() != 1) {
                throw new AssertionError(overlay + ": expected one " + type.getSimpleName() + " named " + name
                        + ", found " + matches.size());
            }
            return matches.get(0);
        }

        /** A generated ConfigMap by its name before kustomize appended the content hash. */
        ConfigMap configMap(String generatedName) {
            List<ConfigMap> matches = all(ConfigMap.class).stream()
                    .filter(c -> c.getMetadata().getName().equals(generatedName)
                            || c.getMetadata()
                                    .getName()
                                    .matches(java.util.regex.Pattern.quote(generatedName) + "-[a-z0-9]{10}"))
                    .toList();
            if (matches.size() != 1) {
                throw new AssertionError(
                        overlay + ": expected one ConfigMap " + generatedName + ", found " + matches.size());
            }
            return matches.get(0);
        }

        ConfigMap configMapNamed(String renderedName) {
            return one(ConfigMap.class, renderedName);
        }

        StatefulSet database() {
            return one(StatefulSet.class, "mysql");
        }

        Deployment proxy() {
            return one(Deployment.class, "mysql-proxy");
        }

        /** Pod templates of every workload, by "Kind/name". */
        Map<String, PodTemplateSpec> podTemplates() {
            Map<String, PodTemplateSpec> templates = new java.util.TreeMap<>();
            all(StatefulSet.class)
                    .forEach(s -> templates.put(
                            "StatefulSet/" + s.getMetadata().getName(),
                            s.getSpec().getTemplate()));
            all(Deployment.class)
                    .forEach(d -> templates.put(
                            "Deployment/" + d.getMetadata().getName(),
                            d.getSpec().getTemplate()));
            return templates;
        }

        static Container container(PodTemplateSpec template, String name) {
            return Stream.concat(
                            template.getSpec().getContainers().stream(),
                            template.getSpec().getInitContainers().stream())
                    .filter(c -> c.getName().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no container " + name));
        }
    }
}

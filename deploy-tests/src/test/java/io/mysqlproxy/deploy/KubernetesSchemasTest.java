package io.mysqlproxy.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every object deploy/ renders is valid against the Kubernetes OpenAPI schemas (and the CRDs' for
 * PodMonitor and cert-manager), beyond what {@link StrictModel}'s typed load catches: types, required
 * fields, enums and formats, as the API server's own validation would see them.
 */
class KubernetesSchemasTest {

    static List<String> overlays() {
        return Kustomize.overlays();
    }

    /** Every component under deploy/components, whether or not an overlay uses it yet. */
    static List<String> components() {
        return Kustomize.kustomizationsIn("components");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyObjectOfEveryOverlayIsSchemaValid(String overlay, @TempDir Path scratch) {
        String rendered = Kustomize.render(overlay).text();
        assertEquals(List.of(), KubernetesSchemas.problems(rendered, scratch), overlay + ": schema violations");
    }

    @ParameterizedTest
    @MethodSource("components")
    void everyComponentOverTheBaseIsSchemaValid(String component, @TempDir Path scratch) throws IOException {
        Kustomize.assumeKubectl();
        // kustomize takes only relative paths to other kustomizations.
        Path dir = Files.createDirectory(scratch.resolve("with-" + component));
        Files.writeString(dir.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - %s
                components:
                  - %s
                """.formatted(
                        dir.relativize(Repo.deploy().resolve("base")),
                        dir.relativize(Repo.deploy().resolve("components").resolve(component))));
        List<String> command = List.of("kubectl", "kustomize", dir.toString());
        String rendered = Commands.run(command, Duration.ofMinutes(2))
                .assertSuccess(command)
                .output();
        assertEquals(
                List.of(),
                KubernetesSchemas.problems(rendered, scratch),
                "base + " + component + ": schema violations");
    }

    @Test
    void aWrongTypeAndAMissingRequiredFieldAreRejected(@TempDir Path scratch) {
        List<String> problems = KubernetesSchemas.problems("""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: broken
                spec:
                  replicas: two
                  selector:
                    matchLabels: {app: broken}
                  template:
                    metadata:
                      labels: {app: broken}
                    spec:
                      containers:
                        - image: busybox:1.36
                """, scratch);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("Deployment/broken: /spec/replicas: must be integer"), problems.get(0));
        assertTrue(
                problems.get(1)
                        .startsWith("Deployment/broken: /spec/template/spec/containers/0: must have required"
                                + " property name"),
                problems.get(1));
    }

    @Test
    void aCustomResourceIsCheckedAgainstItsCrd(@TempDir Path scratch) {
        List<String> problems = KubernetesSchemas.problems("""
                apiVersion: cert-manager.io/v1
                kind: Certificate
                metadata:
                  name: mysql
                spec:
                  secretName: mysql-tls
                  issuerRef: {name: mysql-ca}
                  duration: 90
                ---
                apiVersion: monitoring.coreos.com/v1
                kind: PodMonitor
                metadata:
                  name: mysql-proxy
                spec:
                  selector: {}
                  podMetricsEndpoints:
                    - port: admin
                      interval: 30
                """, scratch);
        assertEquals(
                List.of(
                        "Certificate/mysql: /spec/duration: must be string {\"type\":\"string\"}",
                        "PodMonitor/mysql-proxy: /spec/podMetricsEndpoints/0/interval: must be string"
                                + " {\"type\":\"string\"}"),
                problems);
    }

    @Test
    void aKindWithoutASchemaIsRejected(@TempDir Path scratch) {
        List<String> problems = KubernetesSchemas.problems("""
                apiVersion: example.com/v1
                kind: Widget
                metadata:
                  name: w
                ---
                apiVersion: v1
                kind: ObjectMeta
                metadata:
                  name: not-a-kind
                """, scratch);
        assertEquals(
                List.of(
                        "Widget/w: no schema for apiVersion \"example.com/v1\" kind \"Widget\"",
                        "ObjectMeta/not-a-kind: no schema for apiVersion \"v1\" kind \"ObjectMeta\""),
                problems);
    }
}

package io.mysqlproxy.k8s;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.DiscoveredBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EndpointSetsTest {

    private static final StatefulSetPods PODS = StatefulSetPods.named("db", "mysql");

    @TempDir
    Path dir;

    private static EndpointBuilder endpoint(String address, String pod) {
        EndpointBuilder builder = new EndpointBuilder().withAddresses(address);
        return pod == null
                ? builder
                : builder.withNewTargetRef()
                        .withKind("Pod")
                        .withNamespace("db")
                        .withName(pod)
                        .endTargetRef();
    }

    private static EndpointSlice slice(
            String name, String addressType, String portName, int port, Endpoint... endpoints) {
        return new EndpointSliceBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withAddressType(addressType)
                .addNewPort()
                .withName(portName)
                .withPort(port)
                .endPort()
                .withEndpoints(endpoints)
                .build();
    }

    private static DiscoveredBackends.Endpoint found(String address, int port, String pod, boolean terminating) {
        return new DiscoveredBackends.Endpoint(new HostPort(address, port), pod, EndpointSets.roleOf(pod), terminating);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            nullValues = "none",
            value = {
                "mysql-0, 0",
                "mysql-12, 12",
                "my-sql-3, 3",
                "mysql, none",
                "mysql-, none",
                "-1, none",
                "mysql-7d9f8-abcde, none",
                "mysql-1234567890, none",
                "none, none"
            })
    void ordinals(String pod, Integer ordinal) {
        assertEquals(ordinal == null ? OptionalInt.empty() : OptionalInt.of(ordinal), EndpointSets.ordinal(pod));
    }

    @Test
    void ordinalZeroIsThePrimary() {
        assertEquals(BackendRole.PRIMARY, EndpointSets.roleOf("mysql-0"));
        assertEquals(BackendRole.REPLICA, EndpointSets.roleOf("mysql-10"));
        assertEquals(BackendRole.REPLICA, EndpointSets.roleOf(null));
    }

    @Test
    void conditionsDecideWhatIsReported() {
        EndpointSlice slice = slice(
                "s",
                "IPv4",
                "mysql",
                3306,
                endpoint("10.0.0.1", "mysql-1").build(),
                // Nothing said: Kubernetes says to take that as ready.
                endpoint("10.0.0.2", "mysql-2")
                        .withNewConditions()
                        .endConditions()
                        .build(),
                // Ready only because the Service publishes not-ready addresses.
                endpoint("10.0.0.3", "mysql-3")
                        .withNewConditions()
                        .withReady(true)
                        .withServing(false)
                        .endConditions()
                        .build(),
                // No serving condition (old clusters): ready decides.
                endpoint("10.0.0.4", "mysql-4")
                        .withNewConditions()
                        .withReady(false)
                        .endConditions()
                        .build(),
                endpoint("10.0.0.5", "mysql-5")
                        .withNewConditions()
                        .withServing(true)
                        .withTerminating(true)
                        .endConditions()
                        .build(),
                // Terminating and no longer serving: still draining, still reported.
                endpoint("10.0.0.6", "mysql-6")
                        .withNewConditions()
                        .withServing(false)
                        .withTerminating(true)
                        .endConditions()
                        .build(),
                endpoint("10.0.0.7", "mysql-7")
                        .withNewConditions()
                        .withServing(false)
                        .endConditions()
                        .build());
        assertEquals(
                List.of(
                        found("10.0.0.1", 3306, "mysql-1", false),
                        found("10.0.0.2", 3306, "mysql-2", false),
                        found("10.0.0.5", 3306, "mysql-5", true),
                        found("10.0.0.6", 3306, "mysql-6", true)),
                EndpointSets.fromSlices(List.of(slice), "mysql", 3306, PODS)
                        .backends()
                        .endpoints());
    }

    @ParameterizedTest(name = "{0} {1}/{2} -> {3}")
    @CsvSource(
            nullValues = "none",
            value = {
                "Pod, db, mysql-0, none",
                "Pod, db, mysql-12, none",
                "none, none, none, NO_TARGET_REF",
                "Pod, db, '', NO_TARGET_REF",
                "Pod, db, evil-0, FOREIGN_POD",
                "Pod, db, mysql-x, FOREIGN_POD",
                "Pod, db, mysql-01, FOREIGN_POD",
                "Pod, db, mysql-, FOREIGN_POD",
                "Pod, db, mysql-backup-0, FOREIGN_POD",
                "Pod, db, mysql-1234567890, FOREIGN_POD",
                "Pod, other, mysql-1, FOREIGN_POD",
                "Pod, none, mysql-1, FOREIGN_POD",
                "Service, db, mysql-1, FOREIGN_POD",
                "none, db, mysql-1, FOREIGN_POD"
            })
    void onlyAPodOfTheStatefulSetInTheNamespaceIsTaken(
            String kind, String namespace, String name, StatefulSetPods.Reason refused) {
        ObjectReference target = kind == null && namespace == null && name == null
                ? null
                : new ObjectReferenceBuilder()
                        .withKind(kind)
                        .withNamespace(namespace)
                        .withName(name)
                        .build();
        assertEquals(Optional.ofNullable(refused), PODS.refusal(target));
    }

    @Test
    void aPodWithoutTheLabelIsRefused() {
        StatefulSetPods labelled = new StatefulSetPods("db", "mysql", Set.of("mysql-0")::contains);
        assertEquals(
                Optional.empty(),
                labelled.refusal(endpoint("10.0.0.0", "mysql-0").build().getTargetRef()));
        assertEquals(
                Optional.of(StatefulSetPods.Reason.LABEL),
                labelled.refusal(endpoint("10.0.0.1", "mysql-1").build().getTargetRef()));
        assertEquals(
                Optional.of(StatefulSetPods.Reason.FOREIGN_POD),
                labelled.refusal(endpoint("10.0.0.1", "evil-0").build().getTargetRef()),
                "the name is checked first: a labelled impostor is still foreign");
    }

    @Test
    void endpointsThatAreNotTheStatefulSetsPodsAreIgnoredAndNamed() {
        EndpointSlice slice = slice(
                "s",
                "IPv4",
                "mysql",
                3306,
                endpoint("10.0.0.1", "mysql-1").build(),
                endpoint("10.0.0.8", null).build(),
                endpoint("10.0.0.9", "evil-0").build());
        EndpointSets.Read read = EndpointSets.fromSlices(List.of(slice), "mysql", 3306, PODS);
        assertEquals(
                List.of(found("10.0.0.1", 3306, "mysql-1", false)),
                read.backends().endpoints());
        assertEquals(
                Set.of(
                        new EndpointSets.Ignored(StatefulSetPods.Reason.NO_TARGET_REF, "10.0.0.8:3306 (no targetRef)"),
                        new EndpointSets.Ignored(StatefulSetPods.Reason.FOREIGN_POD, "10.0.0.9:3306 (Pod db/evil-0)")),
                read.ignored());
    }

    @Test
    void thePortIsTheNamedOneElseTheConfiguredOne() {
        EndpointSlice named = slice(
                "a", "IPv4", "mysql", 13306, endpoint("10.0.0.1", "mysql-1").build());
        EndpointSlice unnamed =
                slice("b", "IPv4", "", 23306, endpoint("10.0.0.2", "mysql-2").build());
        assertEquals(
                List.of(found("10.0.0.1", 13306, "mysql-1", false), found("10.0.0.2", 3306, "mysql-2", false)),
                EndpointSets.fromSlices(List.of(unnamed, named), "mysql", 3306, PODS)
                        .backends()
                        .endpoints());
        assertEquals(
                List.of(found("10.0.0.1", 3307, "mysql-1", false)),
                EndpointSets.fromSlices(List.of(named), "", 3307, PODS)
                        .backends()
                        .endpoints(),
                "an empty port-name: the configured port");
    }

    @Test
    void aDualStackPodIsTakenOnceByItsIpv4Address() {
        EndpointSlice v6 = slice(
                "a-v6",
                "IPv6",
                "mysql",
                3306,
                endpoint("fd00::1", "mysql-1").build(),
                endpoint("fd00::2", "mysql-2").build());
        EndpointSlice v4 = slice(
                "b-v4", "IPv4", "mysql", 3306, endpoint("10.0.0.1", "mysql-1").build());
        assertEquals(
                List.of(found("10.0.0.1", 3306, "mysql-1", false), found("fd00::2", 3306, "mysql-2", false)),
                EndpointSets.fromSlices(List.of(v6, v4), "mysql", 3306, PODS)
                        .backends()
                        .endpoints());
    }

    @Test
    void theNamespaceIsConfiguredElseThePodsOwnElseTheClients() throws IOException {
        Path file = dir.resolve("namespace");
        assertEquals("db", EndpointSliceDiscovery.namespace(" db ", file, "kube"));
        assertEquals("kube", EndpointSliceDiscovery.namespace("", file, "kube"));
        Files.writeString(file, "prod\n");
        assertEquals("prod", EndpointSliceDiscovery.namespace("", file, "kube"));
        InvalidConfigException unknown = assertThrows(
                InvalidConfigException.class, () -> EndpointSliceDiscovery.namespace("", dir.resolve("absent"), null));
        assertEquals("mysql-proxy.discovery.kubernetes.namespace", unknown.key());
    }
}

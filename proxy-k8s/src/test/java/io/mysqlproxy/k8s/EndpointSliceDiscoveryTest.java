package io.mysqlproxy.k8s;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.DiscoveredBackends;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.TopologyHolder;
import io.mysqlproxy.core.topology.TopologyUpdater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Against fabric8's API server stand-in in CRUD mode: slices are created, changed and deleted as
 * the EndpointSlice controller would, and the discovered set must follow within 2 s.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class EndpointSliceDiscoveryTest {

    private static final Duration WITHIN = Duration.ofSeconds(2);
    /** The mock server logs every request through java.util.logging; held here so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

    private static final String NAMESPACE = "db";
    private static final ProxyConfig.Kubernetes SETTINGS =
            new ProxyConfig.Kubernetes(NAMESPACE, "mysql", "mysql", 3306, "mysql", "");
    private static final String LABEL = "app.kubernetes.io/component";

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.WARNING);
        return logger;
    }

    KubernetesMockServer server;
    KubernetesClient client;

    private final List<DiscoveredBackends> reports = new CopyOnWriteArrayList<>();
    /** What the discovery counted as ignored, by reason; every reason is asked for before the start. */
    private final Map<String, AtomicInteger> ignored = new ConcurrentHashMap<>();

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private EndpointSliceDiscovery discovery;

    @BeforeEach
    void captureTheLog() {
        logged.start();
        ((Logger) LoggerFactory.getLogger(EndpointSliceDiscovery.class)).addAppender(logged);
    }

    @AfterEach
    void stop() {
        // The API server stops before the watch is closed, not after (the extension would stop it next):
        // fabric8 7.8.0's mock, when a client closes a watch while an event is being sent on it, blocks its
        // event loop for 10 s and then fails to shut down ("Unable to close MockWebServer").
        server.destroy();
        if (discovery != null) {
            discovery.close();
        }
        ((Logger) LoggerFactory.getLogger(EndpointSliceDiscovery.class)).detachAppender(logged);
    }

    private void startDiscovery() {
        startDiscovery(SETTINGS);
    }

    private void startDiscovery(ProxyConfig.Kubernetes settings) {
        discovery = new EndpointSliceDiscovery(client, NAMESPACE, settings, Duration.ofSeconds(10));
        discovery.countIgnored(reason -> {
            AtomicInteger count = new AtomicInteger();
            ignored.put(reason, count);
            return count::incrementAndGet;
        });
        discovery.start(reports::add);
    }

    private Map<String, Integer> ignoredCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        ignored.forEach((reason, count) -> counts.put(reason, count.get()));
        return counts;
    }

    /** The warnings about ignored endpoints, by what they name. */
    private List<String> ignoredWarnings() {
        return logged.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("ignoring endpoint "))
                .map(m -> m.substring("ignoring endpoint ".length(), m.indexOf(" of ")))
                .sorted()
                .toList();
    }

    /** An endpoint at {@code address} whose targetRef is {@code kind namespace/name}, or that has none. */
    private static Endpoint other(String address, String kind, String name) {
        EndpointBuilder builder = new EndpointBuilder()
                .withAddresses(address)
                .withNewConditions()
                .withReady(true)
                .withServing(true)
                .endConditions();
        if (kind != null) {
            builder.withNewTargetRef()
                    .withKind(kind)
                    .withName(name)
                    .withNamespace(NAMESPACE)
                    .endTargetRef();
        }
        return builder.build();
    }

    /** A pod of the StatefulSet as an endpoint: mysql-N at 10.0.0.N. */
    private static Endpoint pod(int ordinal, boolean serving, boolean terminating) {
        return new EndpointBuilder()
                .withAddresses("10.0.0." + ordinal)
                // publishNotReadyAddresses: ready is always true, serving tells the truth.
                .withNewConditions()
                .withReady(true)
                .withServing(serving)
                .withTerminating(terminating)
                .endConditions()
                .withNewTargetRef()
                .withKind("Pod")
                .withName("mysql-" + ordinal)
                .withNamespace(NAMESPACE)
                .endTargetRef()
                .build();
    }

    private static Endpoint pod(int ordinal) {
        return pod(ordinal, true, false);
    }

    private static List<Endpoint> pods(int count) {
        return IntStream.range(0, count)
                .mapToObj(EndpointSliceDiscoveryTest::pod)
                .toList();
    }

    private static EndpointSlice slice(String name, List<Endpoint> endpoints) {
        return new EndpointSliceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NAMESPACE)
                .addToLabels(EndpointSliceDiscovery.SERVICE_NAME_LABEL, "mysql")
                .endMetadata()
                .withAddressType("IPv4")
                .addNewPort()
                .withName("mysql")
                .withPort(3306)
                .withProtocol("TCP")
                .endPort()
                .withEndpoints(endpoints)
                .build();
    }

    private void apply(EndpointSlice slice) {
        client.discovery()
                .v1()
                .endpointSlices()
                .inNamespace(NAMESPACE)
                .resource(slice)
                .createOr(op -> op.update());
    }

    private static DiscoveredBackends.Endpoint expected(int ordinal, boolean terminating) {
        return new DiscoveredBackends.Endpoint(
                new HostPort("10.0.0." + ordinal, 3306),
                "mysql-" + ordinal,
                ordinal == 0 ? BackendRole.PRIMARY : BackendRole.REPLICA,
                terminating);
    }

    private static DiscoveredBackends expected(int... ordinals) {
        return new DiscoveredBackends(
                Arrays.stream(ordinals).mapToObj(o -> expected(o, false)).toList());
    }

    private DiscoveredBackends latest() {
        return reports.isEmpty() ? null : reports.get(reports.size() - 1);
    }

    private static <T> void eventually(T expected, Supplier<T> actual) {
        await().atMost(WITHIN)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .dontCatchUncaughtExceptions()
                .untilAsserted(() -> assertEquals(expected, actual.get(), "within " + WITHIN));
    }

    @Test
    void scalingTheReplicasTwoToFourToOne() {
        apply(slice("mysql-a", pods(3)));
        startDiscovery();
        assertEquals(expected(0, 1, 2), latest(), "the first set is reported before start returns");

        apply(slice("mysql-a", pods(5)));
        eventually(expected(0, 1, 2, 3, 4), this::latest);

        apply(slice("mysql-a", pods(2)));
        eventually(expected(0, 1), this::latest);
    }

    @Test
    void aReplicaThatStopsServingLeavesAndComesBack() {
        apply(slice("mysql-a", pods(3)));
        startDiscovery();

        apply(slice("mysql-a", List.of(pod(0), pod(1), pod(2, false, false))));
        eventually(expected(0, 1), this::latest);

        apply(slice("mysql-a", pods(3)));
        eventually(expected(0, 1, 2), this::latest);
    }

    @Test
    void aTerminatingReplicaIsReportedAsSuch() {
        apply(slice("mysql-a", pods(3)));
        startDiscovery();

        apply(slice("mysql-a", List.of(pod(0), pod(1), pod(2, true, true))));
        eventually(
                new DiscoveredBackends(List.of(expected(0, false), expected(1, false), expected(2, true))),
                this::latest);

        apply(slice("mysql-a", List.of(pod(0), pod(1))));
        eventually(expected(0, 1), this::latest);
    }

    @Test
    void aDeletedSliceTakesItsEndpointsAlong() {
        apply(slice("mysql-a", List.of(pod(0), pod(1))));
        apply(slice("mysql-b", List.of(pod(2), pod(3))));
        startDiscovery();
        assertEquals(expected(0, 1, 2, 3), latest());

        client.discovery()
                .v1()
                .endpointSlices()
                .inNamespace(NAMESPACE)
                .withName("mysql-b")
                .delete();
        eventually(expected(0, 1), this::latest);
    }

    @Test
    void slicesOfOtherServicesAreIgnored() {
        apply(slice("mysql-a", pods(2)));
        EndpointSlice other = slice("other-a", List.of(pod(7)));
        other.getMetadata().getLabels().put(EndpointSliceDiscovery.SERVICE_NAME_LABEL, "other");
        apply(other);
        startDiscovery();
        assertEquals(expected(0, 1), latest());
    }

    @Test
    void anEmptyServiceIsReported() {
        startDiscovery();
        assertEquals(new DiscoveredBackends(List.of()), latest());
        apply(slice("mysql-a", pods(2)));
        eventually(expected(0, 1), this::latest);
    }

    @Test
    void theTopologyFollowsAndKeepsItsBackends() {
        HostPort primaryAddress = HostPort.parse("mysql-0.mysql:3306");
        Backend primary = new Backend(primaryAddress, BackendRole.PRIMARY, primaryAddress.toString());
        TopologyHolder holder = new TopologyHolder(Topology.of(primary, List.of()));
        apply(slice("mysql-a", pods(3)));
        discovery = new EndpointSliceDiscovery(client, NAMESPACE, SETTINGS, Duration.ofSeconds(10));
        discovery.start(new TopologyUpdater(holder, Map.of()));
        assertEquals(List.of("mysql-1", "mysql-2"), names(holder));
        Backend one = holder.current().replicas().get(0);
        Backend two = holder.current().replicas().get(1);

        apply(slice("mysql-a", List.of(pod(0), pod(1), pod(2, true, true), pod(3))));
        eventually(List.of("mysql-1", "mysql-2", "mysql-3"), () -> names(holder));
        assertSame(one, holder.current().replicas().get(0));
        assertSame(two, holder.current().replicas().get(1));
        assertEquals(BackendState.DRAINING, holder.current().state(two));
        assertEquals(BackendState.UP, holder.current().state(one));
        assertSame(primary, holder.current().primary(), "mysql-0 is the configured primary, never a replica");

        apply(slice("mysql-a", List.of(pod(0), pod(3))));
        eventually(List.of("mysql-3"), () -> names(holder));
        assertEquals(BackendState.DRAINING, holder.current().state(one), "gone from the topology: draining");
    }

    private static List<String> names(TopologyHolder holder) {
        return new ArrayList<>(
                holder.current().replicas().stream().map(Backend::name).toList());
    }

    @Test
    void aForbiddenListFailsTheStart() {
        server.expect()
                .get()
                .withPath("/apis/discovery.k8s.io/v1/namespaces/db/endpointslices"
                        + "?labelSelector=kubernetes.io%2Fservice-name%3Dmysql&resourceVersion=0")
                .andReturn(
                        403,
                        new StatusBuilder()
                                .withCode(403)
                                .withReason("Forbidden")
                                .withMessage("endpointslices.discovery.k8s.io is forbidden")
                                .build())
                .always();
        discovery = new EndpointSliceDiscovery(client, NAMESPACE, SETTINGS, Duration.ofSeconds(10));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> discovery.start(reports::add));
        assertTrue(e.getMessage().contains("db/mysql"), e.getMessage());
        assertTrue(e.getMessage().contains("forbidden"), e.getMessage());
        assertEquals(List.of(), reports);
    }

    @Test
    void anUnreachableApiFailsTheStart() {
        Config unreachable = new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:1")
                .withRequestRetryBackoffLimit(0)
                .build();
        try (KubernetesClient offline =
                new KubernetesClientBuilder().withConfig(unreachable).build()) {
            discovery = new EndpointSliceDiscovery(offline, NAMESPACE, SETTINGS, Duration.ofSeconds(10));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> discovery.start(reports::add));
            assertTrue(e.getMessage().contains("db/mysql"), e.getMessage());
        }
    }

    @Test
    void withoutTheEndpointSliceApiV1EndpointsAreFollowed() {
        server.setUnsupported("discovery.k8s.io");
        client.endpoints().inNamespace(NAMESPACE).resource(endpoints(0, 1)).create();
        startDiscovery();
        assertEquals(expected(0, 1), latest());

        client.endpoints().inNamespace(NAMESPACE).resource(endpoints(0, 1, 2)).createOr(op -> op.update());
        eventually(expected(0, 1, 2), this::latest);
    }

    @Test
    void endpointsThatAreNotTheStatefulSetsPodsAreIgnoredLoggedOnceAndCounted() {
        List<Endpoint> impostors = List.of(
                other("10.0.0.50", null, null),
                other("10.0.0.51", "Pod", "evil-0"),
                other("10.0.0.52", "Pod", "mysql-x"),
                other("10.0.0.53", "Service", "mysql-1"));
        List<Endpoint> endpoints = new ArrayList<>(pods(2));
        endpoints.addAll(impostors);
        apply(slice("mysql-a", endpoints));
        startDiscovery();
        assertEquals(expected(0, 1), latest(), "only mysql-0 and mysql-1 are taken");
        Map<String, Integer> once = Map.of("foreign_pod", 3, "label", 0, "no_target_ref", 1);
        assertEquals(once, ignoredCounts());
        List<String> warned = List.of(
                "10.0.0.50:3306 (no targetRef)",
                "10.0.0.51:3306 (Pod db/evil-0)",
                "10.0.0.52:3306 (Pod db/mysql-x)",
                "10.0.0.53:3306 (Service db/mysql-1)");
        assertEquals(warned, ignoredWarnings());

        // Every watch event reads the slice again: the same impostors are neither logged nor counted again.
        endpoints.add(pod(2));
        apply(slice("mysql-a", endpoints));
        eventually(expected(0, 1, 2), this::latest);
        assertEquals(once, ignoredCounts());
        assertEquals(warned, ignoredWarnings());

        // One that leaves and comes back is news again. (The set changes with it, so that the reading
        // without the impostors is seen to have happened: ignored endpoints are settled before the set.)
        apply(slice("mysql-a", List.of(pod(0), pod(1))));
        eventually(expected(0, 1), this::latest);
        apply(slice("mysql-a", List.of(pod(0), pod(1), pod(2), other("10.0.0.51", "Pod", "evil-0"))));
        eventually(expected(0, 1, 2), this::latest);
        assertEquals(Map.of("foreign_pod", 4, "label", 0, "no_target_ref", 1), ignoredCounts());
    }

    @Test
    void inV1EndpointsToo() {
        server.setUnsupported("discovery.k8s.io");
        io.fabric8.kubernetes.api.model.Endpoints endpoints = endpoints(0, 1);
        endpoints
                .getSubsets()
                .get(0)
                .getAddresses()
                .add(new EndpointAddressBuilder().withIp("10.0.0.50").build());
        endpoints
                .getSubsets()
                .get(0)
                .getAddresses()
                .add(new EndpointAddressBuilder()
                        .withIp("10.0.0.51")
                        .withNewTargetRef()
                        .withKind("Pod")
                        .withName("evil-0")
                        .withNamespace(NAMESPACE)
                        .endTargetRef()
                        .build());
        client.endpoints().inNamespace(NAMESPACE).resource(endpoints).create();
        startDiscovery();
        assertEquals(expected(0, 1), latest());
        assertEquals(Map.of("foreign_pod", 1, "label", 0, "no_target_ref", 1), ignoredCounts());
        assertEquals(List.of("10.0.0.50:3306 (no targetRef)", "10.0.0.51:3306 (Pod db/evil-0)"), ignoredWarnings());
    }

    @Test
    void withAPodLabelOnlyTheLabelledPodsAreTaken() {
        createPod("mysql-0", true);
        createPod("mysql-1", true);
        createPod("mysql-2", false);
        apply(slice("mysql-a", pods(3)));
        startDiscovery(new ProxyConfig.Kubernetes(NAMESPACE, "mysql", "mysql", 3306, "mysql", LABEL + "=database"));
        assertEquals(expected(0, 1), latest(), "mysql-2 lacks the label");
        assertEquals(Map.of("foreign_pod", 0, "label", 1, "no_target_ref", 0), ignoredCounts());
        assertEquals(List.of("10.0.0.2:3306 (Pod db/mysql-2)"), ignoredWarnings());

        // The pods are watched: a label given or taken away changes the set with no endpoint event.
        client.pods().inNamespace(NAMESPACE).withName("mysql-2").edit(pod -> labelled(pod, true));
        eventually(expected(0, 1, 2), this::latest);
        client.pods().inNamespace(NAMESPACE).withName("mysql-1").edit(pod -> labelled(pod, false));
        eventually(expected(0, 2), this::latest);
        assertEquals(Map.of("foreign_pod", 0, "label", 2, "no_target_ref", 0), ignoredCounts());
    }

    @Test
    void aPodLabelWithoutThePodsWatchGrantedFailsTheStart() {
        server.expect()
                .get()
                .withPath("/api/v1/namespaces/db/pods"
                        + "?labelSelector=app.kubernetes.io%2Fcomponent%3Ddatabase&resourceVersion=0")
                .andReturn(
                        403,
                        new StatusBuilder()
                                .withCode(403)
                                .withReason("Forbidden")
                                .withMessage("pods is forbidden")
                                .build())
                .always();
        apply(slice("mysql-a", pods(2)));
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> startDiscovery(
                        new ProxyConfig.Kubernetes(NAMESPACE, "mysql", "mysql", 3306, "mysql", LABEL + "=database")));
        assertTrue(e.getMessage().contains("pods is forbidden"), e.getMessage());
        assertTrue(e.getMessage().contains("labelled " + LABEL + "=database"), e.getMessage());
        assertEquals(List.of(), reports);
    }

    private void createPod(String name, boolean labelled) {
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NAMESPACE)
                .endMetadata()
                .build();
        client.pods().inNamespace(NAMESPACE).resource(labelled(pod, labelled)).create();
    }

    private static Pod labelled(Pod pod, boolean labelled) {
        Map<String, String> labels = new HashMap<>(
                pod.getMetadata().getLabels() == null
                        ? Map.of()
                        : pod.getMetadata().getLabels());
        if (labelled) {
            labels.put(LABEL, "database");
        } else {
            labels.remove(LABEL);
        }
        pod.getMetadata().setLabels(labels);
        return pod;
    }

    private static io.fabric8.kubernetes.api.model.Endpoints endpoints(int... ordinals) {
        EndpointsBuilder builder = new EndpointsBuilder()
                .withNewMetadata()
                .withName("mysql")
                .withNamespace(NAMESPACE)
                .endMetadata();
        var subset = builder.addNewSubset()
                .addNewPort()
                .withName("mysql")
                .withPort(3306)
                .endPort();
        for (int ordinal : ordinals) {
            subset.addNewAddress()
                    .withIp("10.0.0." + ordinal)
                    .withNewTargetRef()
                    .withKind("Pod")
                    .withName("mysql-" + ordinal)
                    .withNamespace(NAMESPACE)
                    .endTargetRef()
                    .endAddress();
        }
        return subset.endSubset().build();
    }
}

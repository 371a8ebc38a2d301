package io.mysqlproxy.app;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.k8s.EndpointSliceDiscovery;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kubernetes discovery end to end: the proxy follows the EndpointSlices of a {@code mysql} Service
 * on fabric8's API server stand-in (CRUD mode, so watches see every change), whose endpoints are
 * the pods of a replicated test bed of its own with four replicas on loopback. Each pod has a
 * slice of its own, since each server listens on its own port. Every change (scaling 2 → 4 → 1, a
 * pod no longer serving, a terminating pod, a deleted slice) must reach the proxy's topology
 * within 2 s, and reads through the proxy must then come only from the expected servers (told
 * apart by {@code @@server_id}: mysql-N is server N + 1).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesDiscoveryIT {

    private static final Duration WITHIN = Duration.ofSeconds(2);
    private static final String NAMESPACE = "db";
    /** The mock server logs every request through java.util.logging; held here so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

    KubernetesClient client;
    KubernetesMockServer server;

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.WARNING);
        return logger;
    }

    @Test
    void readsFollowTheServicesEndpointSlices() throws Exception {
        try (ReplicatedTestBed bed = ReplicatedTestBed.start(4)) {
            for (int ordinal = 0; ordinal <= 2; ordinal++) {
                apply(slice(bed, ordinal, true, false));
            }
            EndpointSliceDiscovery discovery = new EndpointSliceDiscovery(
                    client,
                    NAMESPACE,
                    new ProxyConfig.Kubernetes(NAMESPACE, "mysql", "mysql", 3306, "mysql", ""),
                    Duration.ofSeconds(10));
            try (ProxyFixture proxy = ProxyFixture.start(
                            bed, ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.backends.replicas = []", discovery);
                    Connection c = proxy.connect("");
                    Statement s = c.createStatement();
                    // Closed first: the API server stops before the proxy closes its watch. fabric8 7.8.0's mock,
                    // when a client closes a watch while an event is being sent on it, blocks its event loop for
                    // 10 s and then fails to shut down ("Unable to close MockWebServer").
                    AutoCloseable apiServerStopsFirst = server::destroy) {
                Supplier<Set<Integer>> usable = () -> usableReplicas(proxy, bed);
                assertEquals(Set.of(2, 3), usable.get(), "mysql-1 and mysql-2 at start; mysql-0 is the primary");
                assertEquals(Set.of(2, 3), readFrom(s));

                apply(slice(bed, 3, true, false));
                apply(slice(bed, 4, true, false));
                reads(s, usable, Set.of(2, 3, 4, 5), "scaled to 4 replicas");

                apply(slice(bed, 2, false, false));
                reads(s, usable, Set.of(2, 4, 5), "mysql-2 stops serving (not ready)");

                apply(slice(bed, 4, true, true));
                reads(s, usable, Set.of(2, 4), "mysql-4 is terminating");

                delete(3);
                reads(s, usable, Set.of(2), "mysql-3's slice deleted");

                apply(slice(bed, 2, true, false));
                reads(s, usable, Set.of(2, 3), "mysql-2 serves again");

                delete(2);
                delete(4);
                reads(s, usable, Set.of(2), "scaled to 1 replica");

                // Every join and leave is counted; backends that left leave no series behind.
                String scrape = proxy.server().runtime().metrics().scrape();
                assertEquals(5, counter(scrape, "mysqlproxy_backends_added_total"), "mysql-1..4, and mysql-2 again");
                assertEquals(
                        4, counter(scrape, "mysqlproxy_backends_removed_total"), "mysql-2 twice, mysql-3 and mysql-4");
                Set<String> series = new TreeSet<>();
                Matcher backend = Pattern.compile("backend=\"([^\"]+)\"").matcher(scrape);
                while (backend.find()) {
                    series.add(backend.group(1));
                }
                assertTrue(scrape.contains("pod=\"mysql-1\""), "replicas carry their pod name");
                assertEquals(
                        Set.of(
                                bed.primary().host() + ":" + bed.primary().port(),
                                bed.replicas().get(0).host() + ":"
                                        + bed.replicas().get(0).port()),
                        series);
            }
        }
    }

    private static long counter(String scrape, String name) {
        Matcher m =
                Pattern.compile("^" + name + " ([0-9.E]+)$", Pattern.MULTILINE).matcher(scrape);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
    }

    /** Waits (at most 2 s) for the topology to offer exactly {@code expected}, then reads must come only from there. */
    private static void reads(Statement s, Supplier<Set<Integer>> usable, Set<Integer> expected, String change)
            throws SQLException {
        Awaits.within(WITHIN, change + ": the topology")
                .pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> assertEquals(
                        expected, usable.get(), change + ": the topology within " + WITHIN.toMillis() + " ms"));
        assertEquals(expected, readFrom(s), change + ": the servers reads come from");
    }

    /** The server ids of the replicas that take reads now. */
    private static Set<Integer> usableReplicas(ProxyFixture proxy, ReplicatedTestBed bed) {
        return proxy.server().runtime().topology().usableReplicas().stream()
                .map(backend -> bed.servers().stream()
                        .filter(server -> server.port() == backend.address().port())
                        .findFirst()
                        .orElseThrow()
                        .serverId())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<Integer> readFrom(Statement s) throws SQLException {
        Set<Integer> seen = new TreeSet<>();
        for (int i = 0; i < 80; i++) {
            seen.add(ReadWriteSplitIT.serverId(s, "SELECT @@server_id"));
        }
        return seen;
    }

    /** The slice of pod mysql-{@code ordinal}, as the EndpointSlice controller writes it for a StatefulSet pod. */
    private static EndpointSlice slice(ReplicatedTestBed bed, int ordinal, boolean serving, boolean terminating) {
        TestBedServer server = bed.servers().get(ordinal);
        return new EndpointSliceBuilder()
                .withNewMetadata()
                .withName("mysql-" + ordinal)
                .withNamespace(NAMESPACE)
                .addToLabels("kubernetes.io/service-name", "mysql")
                .endMetadata()
                .withAddressType("IPv4")
                .addNewPort()
                .withName("mysql")
                .withPort(server.port())
                .withProtocol("TCP")
                .endPort()
                .addNewEndpoint()
                .withAddresses(server.host())
                // The headless Service publishes not-ready addresses: ready stays true, serving tells the truth.
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
                .endEndpoint()
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

    private void delete(int ordinal) {
        client.discovery()
                .v1()
                .endpointSlices()
                .inNamespace(NAMESPACE)
                .withName("mysql-" + ordinal)
                .delete();
    }
}

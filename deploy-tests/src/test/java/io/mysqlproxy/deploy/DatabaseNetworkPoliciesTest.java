package io.mysqlproxy.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * components/networkpolicy around the database pods, for both flavours (prod-networkpolicy; mariadb with the same
 * component): what the NetworkPolicies selecting the StatefulSet's pods allow, taken together as Kubernetes does
 * (the union of every policy that selects a pod), with each peer resolved against the pods the overlay renders.
 */
class DatabaseNetworkPoliciesTest {

    private static final String DATABASE = "StatefulSet/mysql";
    private static final String PROXY = "Deployment/mysql-proxy";
    private static final String DNS = "namespace kubernetes.io/metadata.name=kube-system, pods k8s-app=kube-dns";

    /** The overlays rendered with the component: MySQL's prod-networkpolicy, and MariaDB's dev with it added. */
    private static Kustomize.Rendered render(String flavour) {
        return flavour.equals("mysql")
                ? Kustomize.render("prod-networkpolicy")
                : Kustomize.renderWith("mariadb", "networkpolicy");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mysql", "mariadb"})
    void onlyTheProxyAndTheOtherDatabasePodsReachTheDatabase(String flavour) {
        Kustomize.Rendered rendered = render(flavour);
        Map<String, Set<String>> allowed = allowed(rendered, "Ingress");
        // 3306: the proxy, and the replicas and clone recipients; 3307: MariaDB's seeding transport, peers only.
        assertEquals(
                Map.of("TCP/3306", Set.of(PROXY, DATABASE), "TCP/3307", Set.of(DATABASE)),
                allowed,
                "who may connect to the database pods, by port");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mysql", "mariadb"})
    void theDatabasePodsReachOnlyEachOtherAndDns(String flavour) {
        Map<String, Set<String>> allowed = allowed(render(flavour), "Egress");
        assertEquals(
                Map.of(
                        "TCP/3306", Set.of(DATABASE),
                        "TCP/3307", Set.of(DATABASE),
                        "TCP/53", Set.of(DNS),
                        "UDP/53", Set.of(DNS)),
                allowed,
                "where the database pods may connect, by port");
    }

    /**
     * Every connection the deployment makes is allowed at both ends: the source's egress and the destination's
     * ingress. The ports are the ones the pods really listen on (the containers' ports, and CLONE_PORT's default in
     * the scripts for MariaDB's seeding).
     */
    @ParameterizedTest
    @ValueSource(strings = {"mysql", "mariadb"})
    void everyConnectionTheDeploymentMakesIsAllowedAtBothEnds(String flavour) throws IOException {
        Kustomize.Rendered rendered = render(flavour);
        PodTemplateSpec database = rendered.podTemplates().get(DATABASE);
        Map<String, Integer> databasePorts = new TreeMap<>();
        database.getSpec()
                .getContainers()
                .forEach(c -> c.getPorts()
                        .forEach(p -> databasePorts.put(c.getName() + "/" + p.getName(), p.getContainerPort())));
        int clonePort = scriptDefault("CLONE_PORT");
        if (flavour.equals("mariadb")) {
            assertEquals(Map.of("mysql/mysql", 3306, "backup-server/backup", clonePort), databasePorts);
        } else {
            assertEquals(Map.of("mysql/mysql", 3306), databasePorts);
        }
        Map<String, Set<String>> databaseIn = allowed(rendered, "Ingress");
        Map<String, Set<String>> databaseOut = allowed(rendered, "Egress");
        Map<String, Set<String>> proxyOut = allowed(rendered, PROXY, "Egress");

        record Flow(String from, Map<String, Set<String>> egress, int port) {}
        List<Flow> flows = new ArrayList<>(List.of(
                new Flow(PROXY, proxyOut, 3306), // sessions, the pool, the health monitor
                new Flow(DATABASE, databaseOut, 3306))); // replication, MySQL's clone
        if (flavour.equals("mariadb")) {
            flows.add(new Flow(DATABASE, databaseOut, clonePort)); // init-data.sh to the peer's backup-server
        }
        for (Flow flow : flows) {
            String port = "TCP/" + flow.port();
            assertTrue(
                    flow.egress().getOrDefault(port, Set.of()).contains(DATABASE),
                    flow.from() + " may not connect to the database pods' " + port);
            assertTrue(
                    databaseIn.getOrDefault(port, Set.of()).contains(flow.from()),
                    "the database pods do not accept " + port + " from " + flow.from());
        }
    }

    /** The scripts' default for a variable of lib.sh ({@code NAME="${NAME:-3307}"}). */
    private static int scriptDefault(String name) throws IOException {
        Matcher m = Pattern.compile(name + "=\"\\$\\{" + name + ":-(\\d+)}\"")
                .matcher(Files.readString(Repo.scripts().resolve("lib.sh")));
        assertTrue(m.find(), name + " has no numeric default in lib.sh");
        return Integer.parseInt(m.group(1));
    }

    private static Map<String, Set<String>> allowed(Kustomize.Rendered rendered, String direction) {
        return allowed(rendered, DATABASE, direction);
    }

    /**
     * The union of what the policies selecting {@code workload}'s pods allow in {@code direction}: port to the
     * peers, each a workload of the overlay or a description of an outside selector. Fails if no policy isolates
     * the pods in that direction (then everything is allowed) or a rule would open everything.
     */
    private static Map<String, Set<String>> allowed(Kustomize.Rendered rendered, String workload, String direction) {
        Map<String, PodTemplateSpec> templates = rendered.podTemplates();
        Map<String, String> labels = templates.get(workload).getMetadata().getLabels();
        Map<String, Set<String>> allowed = new TreeMap<>();
        boolean isolated = false;
        for (NetworkPolicy policy : rendered.all(NetworkPolicy.class)) {
            LabelSelector selector = policy.getSpec().getPodSelector();
            if (!matches(selector, labels) || !policy.getSpec().getPolicyTypes().contains(direction)) {
                continue;
            }
            String name = policy.getMetadata().getName();
            assertFalse(
                    selector.getMatchLabels() == null
                            || selector.getMatchLabels().isEmpty(),
                    name + ": an empty podSelector covers every pod of the namespace");
            isolated = true;
            boolean ingress = direction.equals("Ingress");
            // Each rule as its ports and its peers (from for ingress, to for egress).
            List<Map.Entry<List<NetworkPolicyPort>, List<NetworkPolicyPeer>>> rules = ingress
                    ? policy.getSpec().getIngress().stream()
                            .map(r -> Map.entry(r.getPorts(), r.getFrom()))
                            .toList()
                    : policy.getSpec().getEgress().stream()
                            .map(r -> Map.entry(r.getPorts(), r.getTo()))
                            .toList();
            for (var rule : rules) {
                List<NetworkPolicyPort> ports = rule.getKey();
                List<NetworkPolicyPeer> peers = rule.getValue();
                assertFalse(ports.isEmpty(), name + ": a rule without ports opens every port: " + rule);
                assertFalse(peers.isEmpty(), name + ": a rule without peers allows everyone: " + rule);
                // A named port means the container port of that name on the pods at the receiving end.
                Function<IntOrString, Integer> number = port -> port.getIntVal() != null
                        ? port.getIntVal()
                        : namedPort(ingress ? templates.get(workload) : null, port.getStrVal(), templates);
                for (NetworkPolicyPort port : ports) {
                    String key = port.getProtocol() + "/" + number.apply(port.getPort());
                    for (NetworkPolicyPeer peer : peers) {
                        allowed.computeIfAbsent(key, k -> new TreeSet<>()).addAll(peers(peer, templates));
                    }
                }
            }
        }
        assertTrue(isolated, workload + " has no " + direction + " policy: every peer and port is allowed");
        return allowed;
    }

    /** The workloads of this namespace a peer selects, or what it selects elsewhere, in words. */
    private static Set<String> peers(NetworkPolicyPeer peer, Map<String, PodTemplateSpec> templates) {
        if (peer.getIpBlock() != null) {
            return Set.of("ipBlock " + peer.getIpBlock().getCidr());
        }
        if (peer.getNamespaceSelector() != null) {
            return Set.of("namespace " + describe(peer.getNamespaceSelector()) + ", pods "
                    + (peer.getPodSelector() == null ? "all" : describe(peer.getPodSelector())));
        }
        Set<String> selected = new TreeSet<>();
        templates.forEach((name, template) -> {
            if (matches(peer.getPodSelector(), template.getMetadata().getLabels())) {
                selected.add(name);
            }
        });
        if (peer.getPodSelector().getMatchLabels() == null
                || peer.getPodSelector().getMatchLabels().isEmpty()) {
            selected.add("every pod of the namespace");
        }
        return selected;
    }

    private static int namedPort(PodTemplateSpec template, String name, Map<String, PodTemplateSpec> templates) {
        List<PodTemplateSpec> candidates = template != null ? List.of(template) : List.copyOf(templates.values());
        return candidates.stream()
                .flatMap(t -> t.getSpec().getContainers().stream())
                .map(Container::getPorts)
                .flatMap(List::stream)
                .filter(p -> name.equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + name));
    }

    private static boolean matches(LabelSelector selector, Map<String, String> labels) {
        assertTrue(
                selector.getMatchExpressions() == null
                        || selector.getMatchExpressions().isEmpty(),
                "matchExpressions are not modelled here: " + selector);
        Map<String, String> wanted = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        return labels.entrySet().containsAll(wanted.entrySet());
    }

    private static String describe(LabelSelector selector) {
        Map<String, String> wanted = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        return String.join(
                ",",
                new TreeMap<>(wanted)
                        .entrySet().stream()
                                .map(e -> e.getKey() + "=" + e.getValue())
                                .toList());
    }
}

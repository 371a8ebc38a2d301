package io.mysqlproxy.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * components/networkpolicy, as the prod-networkpolicy overlay renders it: applications reach the proxy's 3306,
 * only Prometheus its admin port; the proxy reaches the database pods' 3306, DNS and the Kubernetes API, nothing
 * else. Other overlays carry no NetworkPolicy (they must work on any cluster).
 */
class ProxyNetworkPoliciesTest {

    private static final String OVERLAY = "prod-networkpolicy";

    @Test
    void onlyTheirOwnOverlayHasNetworkPolicies() {
        for (String overlay : Kustomize.overlays()) {
            List<NetworkPolicy> policies = Kustomize.render(overlay).all(NetworkPolicy.class);
            assertEquals(overlay.equals(OVERLAY), !policies.isEmpty(), overlay + ": " + policies.size());
        }
    }

    @Test
    void clientsReachTheProxyPortAndOnlyPrometheusTheAdminPort() {
        Kustomize.Rendered rendered = Kustomize.render(OVERLAY);
        NetworkPolicy ingress = rendered.one(NetworkPolicy.class, "mysql-proxy-ingress");
        assertSelectsOnlyTheProxy(rendered, ingress.getSpec().getPodSelector());
        assertEquals(List.of("Ingress"), ingress.getSpec().getPolicyTypes());
        Container proxy = proxyContainer(rendered);

        Map<Integer, List<NetworkPolicyPeer>> fromByPort = new java.util.TreeMap<>();
        ingress.getSpec().getIngress().forEach(rule -> {
            assertFalse(rule.getPorts().isEmpty(), "a rule without ports opens every port: " + rule);
            assertFalse(rule.getFrom().isEmpty(), "a rule without peers admits everyone: " + rule);
            for (NetworkPolicyPort port : rule.getPorts()) {
                assertEquals("TCP", port.getProtocol());
                fromByPort.put(containerPort(proxy, port.getPort()), rule.getFrom());
            }
        });
        assertEquals(Set.of(3306, 9090), fromByPort.keySet());

        List<NetworkPolicyPeer> clients = fromByPort.get(3306);
        assertEquals(1, clients.size());
        LabelSelector everyPod = clients.get(0).getPodSelector();
        assertNotNull(everyPod, "from pods, not from anywhere");
        assertTrue(
                (everyPod.getMatchLabels() == null || everyPod.getMatchLabels().isEmpty())
                        && (everyPod.getMatchExpressions() == null
                                || everyPod.getMatchExpressions().isEmpty()),
                "every pod of the namespace: " + everyPod);
        assertEquals(null, clients.get(0).getNamespaceSelector());

        List<NetworkPolicyPeer> scrapers = fromByPort.get(9090);
        assertEquals(1, scrapers.size(), "the admin port is for Prometheus only");
        NetworkPolicyPeer prometheus = scrapers.get(0);
        assertNotNull(prometheus.getNamespaceSelector(), "Prometheus runs in a namespace of its own");
        assertEquals(
                Map.of("kubernetes.io/metadata.name", "monitoring"),
                prometheus.getNamespaceSelector().getMatchLabels());
        assertEquals(
                Map.of("app.kubernetes.io/name", "prometheus"),
                prometheus.getPodSelector().getMatchLabels(),
                "not every pod of that namespace");
        assertEquals(null, prometheus.getIpBlock());
    }

    @Test
    void theProxyReachesTheDatabaseDnsAndTheKubernetesApiOnly() {
        Kustomize.Rendered rendered = Kustomize.render(OVERLAY);
        NetworkPolicy egress = rendered.one(NetworkPolicy.class, "mysql-proxy-egress");
        assertSelectsOnlyTheProxy(rendered, egress.getSpec().getPodSelector());
        assertEquals(List.of("Egress"), egress.getSpec().getPolicyTypes());

        Set<String> allowed = new TreeSet<>();
        egress.getSpec().getEgress().forEach(rule -> {
            assertFalse(rule.getPorts().isEmpty(), "a rule without ports opens every port: " + rule);
            assertFalse(rule.getTo().isEmpty(), "a rule without peers allows everywhere: " + rule);
            Set<String> ports = rule.getPorts().stream()
                    .map(p -> p.getProtocol() + "/" + p.getPort().getIntVal())
                    .collect(Collectors.toCollection(TreeSet::new));
            allowed.addAll(ports);
            NetworkPolicyPeer to = rule.getTo().get(0);
            assertEquals(1, rule.getTo().size(), rule.toString());
            if (ports.equals(Set.of("TCP/3306"))) {
                assertEquals(null, to.getNamespaceSelector(), "the database of this namespace");
                assertEquals(
                        Set.of("StatefulSet/mysql"),
                        selected(rendered.podTemplates(), to.getPodSelector().getMatchLabels()),
                        "MySQL only on the database pods");
            } else if (ports.equals(Set.of("TCP/53", "UDP/53"))) {
                assertEquals(
                        Map.of("kubernetes.io/metadata.name", "kube-system"),
                        to.getNamespaceSelector().getMatchLabels());
                assertEquals(Map.of("k8s-app", "kube-dns"), to.getPodSelector().getMatchLabels());
            } else if (ports.equals(Set.of("TCP/443", "TCP/6443"))) {
                assertNotNull(to.getIpBlock(), "the API server is not a pod: an address block");
            } else {
                throw new AssertionError("unexpected egress rule " + rule);
            }
        });
        assertEquals(Set.of("TCP/3306", "TCP/443", "TCP/53", "TCP/6443", "UDP/53"), allowed);
    }

    private static void assertSelectsOnlyTheProxy(Kustomize.Rendered rendered, LabelSelector selector) {
        assertFalse(selector.getMatchLabels().isEmpty(), "an empty podSelector covers every pod");
        assertEquals(Set.of("Deployment/mysql-proxy"), selected(rendered.podTemplates(), selector.getMatchLabels()));
    }

    private static Container proxyContainer(Kustomize.Rendered rendered) {
        return Kustomize.Rendered.container(rendered.proxy().getSpec().getTemplate(), "mysql-proxy");
    }

    /** A NetworkPolicy port (a number or the container port's name) as the container's port number. */
    private static int containerPort(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream()
                .filter(p -> port.getStrVal().equals(p.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no port named " + port.getStrVal()))
                .getContainerPort();
    }

    private static Set<String> selected(Map<String, PodTemplateSpec> templates, Map<String, String> selector) {
        Set<String> matched = new TreeSet<>();
        templates.forEach((name, template) -> {
            if (template.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())) {
                matched.add(name);
            }
        });
        return matched;
    }
}

package io.mysqlproxy.k8s;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.DiscoveredBackends;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads the database servers out of a Service's EndpointSlices (or its v1 Endpoints): pure
 * functions of the objects, so that every informer event can recompute the whole set. Only the
 * endpoints that {@link StatefulSetPods} accepts are servers; the others come back as ignored.
 */
final class EndpointSets {

    /** EndpointSlice address types, in the order a pod listed under several is taken. */
    private static final List<String> ADDRESS_TYPES = List.of("IPv4", "IPv6", "FQDN");

    private EndpointSets() {}

    /** What one reading found: the servers, and the endpoints left out as not the StatefulSet's pods. */
    record Read(DiscoveredBackends backends, Set<Ignored> ignored) {

        Read {
            ignored = Set.copyOf(ignored);
        }
    }

    /**
     * An endpoint that is not taken, and why.
     *
     * @param endpoint its address and what its targetRef names, as the log shows it
     */
    record Ignored(StatefulSetPods.Reason reason, String endpoint) {}

    /**
     * The servers of {@code slices}. An endpoint that is neither serving nor terminating is left
     * out; a terminating one is kept, marked so. {@code serving} is read before {@code ready}:
     * a Service that publishes not-ready addresses (as the StatefulSet's headless one does) has
     * every endpoint ready, and only {@code serving} tells a pod that passes its readiness probe.
     * A pod listed in two slices (IPv4 and IPv6 on a dual-stack Service) is taken once, IPv4 first.
     */
    static Read fromSlices(Collection<EndpointSlice> slices, String portName, int defaultPort, StatefulSetPods pods) {
        List<EndpointSlice> ordered = new ArrayList<>(slices);
        ordered.sort(Comparator.comparingInt(EndpointSets::addressTypeRank)
                .thenComparing(slice -> Objects.toString(slice.getMetadata().getName(), "")));
        Map<String, DiscoveredBackends.Endpoint> byPod = new LinkedHashMap<>();
        Set<Ignored> ignored = new HashSet<>();
        for (EndpointSlice slice : ordered) {
            int port = slicePort(slice.getPorts(), portName, defaultPort);
            for (Endpoint endpoint : nonNull(slice.getEndpoints())) {
                if (endpoint.getAddresses() == null || endpoint.getAddresses().isEmpty()) {
                    continue;
                }
                // Kubernetes: consumers use the first address of an endpoint.
                HostPort address = new HostPort(endpoint.getAddresses().get(0), port);
                Optional<StatefulSetPods.Reason> refusal = pods.refusal(endpoint.getTargetRef());
                if (refusal.isPresent()) {
                    ignored.add(new Ignored(refusal.get(), describe(address, endpoint.getTargetRef())));
                    continue;
                }
                EndpointConditions conditions = endpoint.getConditions();
                boolean terminating = conditions != null && Boolean.TRUE.equals(conditions.getTerminating());
                if (!terminating && !serving(conditions)) {
                    continue;
                }
                String podName = endpoint.getTargetRef().getName();
                byPod.putIfAbsent(
                        podName, new DiscoveredBackends.Endpoint(address, podName, roleOf(podName), terminating));
            }
        }
        return new Read(new DiscoveredBackends(List.copyOf(byPod.values())), ignored);
    }

    /**
     * The servers of v1 Endpoints, for clusters without EndpointSlices: the ready addresses only.
     * These carry no terminating state, and a Service that publishes not-ready addresses lists
     * every pod as ready.
     */
    static Read fromEndpoints(Collection<Endpoints> endpoints, String portName, int defaultPort, StatefulSetPods pods) {
        Map<String, DiscoveredBackends.Endpoint> byPod = new LinkedHashMap<>();
        Set<Ignored> ignored = new HashSet<>();
        for (Endpoints object : endpoints) {
            for (EndpointSubset subset : nonNull(object.getSubsets())) {
                int port = defaultPort;
                for (io.fabric8.kubernetes.api.model.EndpointPort candidate : nonNull(subset.getPorts())) {
                    if (!portName.isEmpty() && portName.equals(candidate.getName()) && candidate.getPort() != null) {
                        port = candidate.getPort();
                    }
                }
                for (EndpointAddress ready : nonNull(subset.getAddresses())) {
                    if (ready.getIp() == null || ready.getIp().isEmpty()) {
                        continue;
                    }
                    HostPort address = new HostPort(ready.getIp(), port);
                    Optional<StatefulSetPods.Reason> refusal = pods.refusal(ready.getTargetRef());
                    if (refusal.isPresent()) {
                        ignored.add(new Ignored(refusal.get(), describe(address, ready.getTargetRef())));
                        continue;
                    }
                    String podName = ready.getTargetRef().getName();
                    byPod.putIfAbsent(
                            podName, new DiscoveredBackends.Endpoint(address, podName, roleOf(podName), false));
                }
            }
        }
        return new Read(new DiscoveredBackends(List.copyOf(byPod.values())), ignored);
    }

    /** "10.0.0.9:3306 (Pod db/evil-0)", or "(no targetRef)". */
    private static String describe(HostPort address, ObjectReference target) {
        if (target == null) {
            return address + " (no targetRef)";
        }
        return address + " (" + target.getKind() + " " + target.getNamespace() + "/" + target.getName() + ")";
    }

    /**
     * A StatefulSet pod's ordinal: the number after the last dash of its name ({@code mysql-2} is 2).
     * Empty for a name without one, such as a Deployment's pod.
     */
    static OptionalInt ordinal(String podName) {
        if (podName == null) {
            return OptionalInt.empty();
        }
        int dash = podName.lastIndexOf('-');
        String digits = podName.substring(dash + 1);
        if (dash <= 0
                || digits.isEmpty()
                || digits.length() > 9
                || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(digits));
    }

    /** Ordinal 0 is the primary; every other pod is a replica. */
    static BackendRole roleOf(String podName) {
        OptionalInt ordinal = ordinal(podName);
        return ordinal.isPresent() && ordinal.getAsInt() == 0 ? BackendRole.PRIMARY : BackendRole.REPLICA;
    }

    /** The slice's port named {@code portName}, else {@code defaultPort}. */
    private static int slicePort(List<EndpointPort> ports, String portName, int defaultPort) {
        if (!portName.isEmpty()) {
            for (EndpointPort port : nonNull(ports)) {
                if (portName.equals(port.getName()) && port.getPort() != null) {
                    return port.getPort();
                }
            }
        }
        return defaultPort;
    }

    /** Serving, else ready; a condition left out means unknown, which Kubernetes says to take as true. */
    private static boolean serving(EndpointConditions conditions) {
        if (conditions == null) {
            return true;
        }
        Boolean serving = conditions.getServing() != null ? conditions.getServing() : conditions.getReady();
        return serving == null || serving;
    }

    private static int addressTypeRank(EndpointSlice slice) {
        int rank = ADDRESS_TYPES.indexOf(slice.getAddressType());
        return rank < 0 ? ADDRESS_TYPES.size() : rank;
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}

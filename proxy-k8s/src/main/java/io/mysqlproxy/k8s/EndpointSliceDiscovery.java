package io.mysqlproxy.k8s;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.topology.DiscoveredBackends;
import io.mysqlproxy.core.topology.Discovery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The database servers behind a Kubernetes Service, followed with an informer on its
 * {@code discovery.k8s.io/v1} EndpointSlices (those labelled {@code kubernetes.io/service-name}),
 * or on its v1 Endpoints where the cluster has no EndpointSlice API. Every add, update or delete
 * recomputes the whole set from all of the Service's current objects (see {@link EndpointSets})
 * and reports it if it differs from the last one. Events arrive on the client's informer thread,
 * one at a time.
 *
 * <p>Only the StatefulSet's pods are taken ({@link StatefulSetPods}). An endpoint that is not one is
 * logged and counted when it appears, not again while it stays, and ignored. With
 * {@code discovery.kubernetes.pod-label} set, a second informer follows the namespace's pods that carry
 * the label (a label selector on the watch, so no other pod is read) and an endpoint's pod must be
 * among them.
 */
public final class EndpointSliceDiscovery implements Discovery {

    private static final Logger log = LoggerFactory.getLogger(EndpointSliceDiscovery.class);
    /** Where a pod finds its own namespace. */
    static final Path SERVICE_ACCOUNT_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    private static final String NAMESPACE_KEY = "mysql-proxy.discovery.kubernetes.namespace";
    /** How long the first list may take before the proxy gives up starting. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final String namespace;
    private final String service;
    private final String portName;
    private final int port;
    private final String statefulSet;
    /** The configured pod label as key and value; null when none is. */
    private final String[] podLabel;

    private final Duration startTimeout;
    private final Map<StatefulSetPods.Reason, Runnable> ignoredCounters = new EnumMap<>(StatefulSetPods.Reason.class);

    private Consumer<DiscoveredBackends> listener;
    private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
    private Runnable recompute;
    private DiscoveredBackends last;
    /** The endpoints ignored at the last reading: only one that is not among them is logged and counted. */
    private Set<EndpointSets.Ignored> ignored = Set.of();

    private boolean closed;

    /**
     * Follows the service that {@code settings} names in {@code namespace} (its own namespace is not
     * read) through {@code client}, which stays the caller's. The port is the endpoints' port named
     * {@code portName}, else {@code port}.
     */
    public EndpointSliceDiscovery(
            KubernetesClient client, String namespace, ProxyConfig.Kubernetes settings, Duration startTimeout) {
        this(client, false, namespace, settings, startTimeout);
    }

    private EndpointSliceDiscovery(
            KubernetesClient client,
            boolean ownsClient,
            String namespace,
            ProxyConfig.Kubernetes settings,
            Duration startTimeout) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.namespace = namespace;
        this.service = settings.service();
        this.portName = settings.portName();
        this.port = settings.port();
        this.statefulSet = settings.statefulSet();
        // ConfigLoader has checked the form: a key, "=", and a value that may be empty.
        this.podLabel =
                settings.podLabel().isEmpty() ? null : settings.podLabel().split("=", 2);
        this.startTimeout = startTimeout;
        for (StatefulSetPods.Reason reason : StatefulSetPods.Reason.values()) {
            ignoredCounters.put(reason, () -> {});
        }
    }

    /**
     * Discovery as configured, with a client set up the usual way: in a pod, its service account;
     * elsewhere, the kubeconfig. The namespace is the configured one, else the pod's own, else the
     * kubeconfig context's.
     */
    public static EndpointSliceDiscovery create(ProxyConfig.Kubernetes settings) {
        KubernetesClient client = new KubernetesClientBuilder().build();
        try {
            String namespace = namespace(settings.namespace(), SERVICE_ACCOUNT_NAMESPACE, client.getNamespace());
            return new EndpointSliceDiscovery(client, true, namespace, settings, START_TIMEOUT);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** The configured namespace, else the one in the service-account file, else the client's. */
    static String namespace(String configured, Path serviceAccountFile, String clientNamespace) {
        if (!configured.isBlank()) {
            return configured.trim();
        }
        if (Files.isReadable(serviceAccountFile)) {
            try {
                String own = Files.readString(serviceAccountFile).trim();
                if (!own.isEmpty()) {
                    return own;
                }
            } catch (IOException e) {
                log.warn("cannot read {}: {}", serviceAccountFile, e.toString());
            }
        }
        if (clientNamespace != null && !clientNamespace.isBlank()) {
            return clientNamespace.trim();
        }
        throw new InvalidConfigException(
                NAMESPACE_KEY,
                "is empty and the proxy's own namespace is unknown (no " + serviceAccountFile
                        + ", no namespace in the kubeconfig context)");
    }

    @Override
    public synchronized void countIgnored(Function<String, Runnable> counterFor) {
        for (StatefulSetPods.Reason reason : StatefulSetPods.Reason.values()) {
            ignoredCounters.put(reason, counterFor.apply(reason.label()));
        }
    }

    @Override
    public void start(Consumer<DiscoveredBackends> listener) {
        synchronized (this) {
            if (this.listener != null) {
                throw new IllegalStateException("already started");
            }
            this.listener = listener;
        }
        StatefulSetPods pods = StatefulSetPods.named(namespace, statefulSet);
        if (podLabel != null) {
            // Listed before the endpoints, so that the first set already sees every labelled pod.
            SharedIndexInformer<Pod> labelled = labelledPods();
            await(labelled);
            pods = new StatefulSetPods(
                    namespace, statefulSet, pod -> labelled.getStore().getByKey(namespace + "/" + pod) != null);
        }
        SharedIndexInformer<? extends HasMetadata> started;
        StatefulSetPods accepted = pods;
        try {
            if (client.supports(EndpointSlice.class)) {
                started = inform(
                        client.discovery()
                                .v1()
                                .endpointSlices()
                                .inNamespace(namespace)
                                .withLabel(SERVICE_NAME_LABEL, service)
                                .runnableInformer(0),
                        slices -> EndpointSets.fromSlices(slices, portName, port, accepted));
            } else {
                log.warn(
                        "the cluster has no EndpointSlice API (discovery.k8s.io/v1): following v1 Endpoints {}/{}",
                        namespace,
                        service);
                started = inform(
                        endpointsOfService(),
                        endpoints -> EndpointSets.fromEndpoints(endpoints, portName, port, accepted));
            }
        } catch (KubernetesClientException e) {
            close();
            throw new IllegalStateException("cannot reach the Kubernetes API for " + this + ": " + describe(e), e);
        }
        await(started);
        // The informer reports what it listed too, but maybe not yet: the first set is due now.
        recompute();
        log.info("following {}", this);
    }

    /** The namespace's pods with the configured label; any change to them recomputes the set. */
    private SharedIndexInformer<Pod> labelledPods() {
        SharedIndexInformer<Pod> labelled;
        try {
            labelled = client.pods()
                    .inNamespace(namespace)
                    .withLabel(podLabel[0], podLabel[1])
                    .runnableInformer(0);
        } catch (KubernetesClientException e) {
            close();
            throw new IllegalStateException("cannot reach the Kubernetes API for " + this + ": " + describe(e), e);
        }
        labelled.addEventHandler(new Recompute<>(this::recompute));
        synchronized (this) {
            informers.add(labelled);
        }
        return labelled;
    }

    /** Starts {@code informer} and waits for its first list; closes everything if that fails. */
    private void await(SharedIndexInformer<?> informer) {
        try {
            informer.start().toCompletableFuture().get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            close();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("cannot list " + this + ": " + describe(cause), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while listing " + this, e);
        }
    }

    /** The message, and the root cause's when it says more (the client's own is often generic). */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(e.getMessage());
        return root == e ? message : message + " (" + root + ")";
    }

    @SuppressWarnings("deprecation") // v1 Endpoints: only for clusters that lack EndpointSlices
    private SharedIndexInformer<Endpoints> endpointsOfService() {
        return client.endpoints().inNamespace(namespace).withName(service).runnableInformer(0);
    }

    /** Has every event of {@code created} recompute the set with {@code read}. */
    private <T extends HasMetadata> SharedIndexInformer<T> inform(
            SharedIndexInformer<T> created, Function<List<T>, EndpointSets.Read> read) {
        Runnable recompute = () -> publish(() -> read.apply(created.getStore().list()));
        created.addEventHandler(new Recompute<T>(recompute));
        synchronized (this) {
            informers.add(created);
            this.recompute = recompute;
        }
        return created;
    }

    /**
     * Reads the set and reports it if it changed. Both happen under the lock, so that a set read
     * later never reaches the listener before one read earlier.
     */
    private synchronized void publish(Supplier<EndpointSets.Read> read) {
        if (closed) {
            return;
        }
        EndpointSets.Read reading = read.get();
        reportIgnored(reading.ignored());
        DiscoveredBackends current = reading.backends();
        if (current.equals(last)) {
            return;
        }
        last = current;
        try {
            listener.accept(current);
        } catch (RuntimeException e) {
            log.error("discovery listener failed on {}", current, e);
        }
    }

    /** Logs and counts each endpoint that is ignored now and was not at the last reading. */
    private void reportIgnored(Set<EndpointSets.Ignored> now) {
        for (EndpointSets.Ignored endpoint : now) {
            if (!ignored.contains(endpoint)) {
                log.warn("ignoring endpoint {} of {}: {}", endpoint.endpoint(), this, why(endpoint.reason()));
                ignoredCounters.get(endpoint.reason()).run();
            }
        }
        ignored = now;
    }

    private String why(StatefulSetPods.Reason reason) {
        String pods = "a pod " + namespace + "/" + statefulSet + "-<ordinal>";
        return switch (reason) {
            case NO_TARGET_REF -> "it names no pod (no targetRef); only " + pods + " is a database server";
            case FOREIGN_POD -> "its targetRef is not " + pods;
            case LABEL -> "its pod has no label " + podLabel[0] + "=" + podLabel[1];
        };
    }

    @Override
    public void close() {
        List<SharedIndexInformer<? extends HasMetadata>> stopping;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = List.copyOf(informers);
        }
        stopping.forEach(SharedIndexInformer::close);
        if (ownsClient) {
            client.close();
        }
    }

    /** Nothing before the endpoints' informer exists: the labelled pods' first events come earlier. */
    private void recompute() {
        Runnable current;
        synchronized (this) {
            current = recompute;
        }
        if (current != null) {
            current.run();
        }
    }

    /** Any change to the Service's objects: read the whole set again. */
    private static final class Recompute<T> implements ResourceEventHandler<T> {
        private final Runnable recompute;

        Recompute(Runnable recompute) {
            this.recompute = recompute;
        }

        @Override
        public void onAdd(T object) {
            recompute.run();
        }

        @Override
        public void onUpdate(T before, T after) {
            recompute.run();
        }

        @Override
        public void onDelete(T object, boolean finalStateUnknown) {
            recompute.run();
        }
    }

    @Override
    public String toString() {
        return "Kubernetes endpoints of service " + namespace + "/" + service + " (pods " + statefulSet + "-<ordinal>"
                + (podLabel == null ? "" : " labelled " + podLabel[0] + "=" + podLabel[1]) + ")";
    }
}

package io.mysqlproxy.k8s;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
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
import java.util.List;
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
    private final Duration startTimeout;

    private Consumer<DiscoveredBackends> listener;
    private SharedIndexInformer<? extends HasMetadata> informer;
    private Runnable recompute;
    private DiscoveredBackends last;
    private boolean closed;

    /**
     * Follows {@code service} in {@code namespace} through {@code client}, which stays the caller's.
     * The port is the endpoints' port named {@code portName}, else {@code port}.
     */
    public EndpointSliceDiscovery(
            KubernetesClient client,
            String namespace,
            String service,
            String portName,
            int port,
            Duration startTimeout) {
        this(client, false, namespace, service, portName, port, startTimeout);
    }

    private EndpointSliceDiscovery(
            KubernetesClient client,
            boolean ownsClient,
            String namespace,
            String service,
            String portName,
            int port,
            Duration startTimeout) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.namespace = namespace;
        this.service = service;
        this.portName = portName;
        this.port = port;
        this.startTimeout = startTimeout;
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
            return new EndpointSliceDiscovery(
                    client, true, namespace, settings.service(), settings.portName(), settings.port(), START_TIMEOUT);
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
    public void start(Consumer<DiscoveredBackends> listener) {
        synchronized (this) {
            if (this.listener != null) {
                throw new IllegalStateException("already started");
            }
            this.listener = listener;
        }
        SharedIndexInformer<? extends HasMetadata> started;
        try {
            if (client.supports(EndpointSlice.class)) {
                started = inform(
                        client.discovery()
                                .v1()
                                .endpointSlices()
                                .inNamespace(namespace)
                                .withLabel(SERVICE_NAME_LABEL, service)
                                .runnableInformer(0),
                        slices -> EndpointSets.fromSlices(slices, portName, port));
            } else {
                log.warn(
                        "the cluster has no EndpointSlice API (discovery.k8s.io/v1): following v1 Endpoints {}/{}",
                        namespace,
                        service);
                started = inform(
                        endpointsOfService(), endpoints -> EndpointSets.fromEndpoints(endpoints, portName, port));
            }
        } catch (KubernetesClientException e) {
            close();
            throw new IllegalStateException("cannot reach the Kubernetes API for " + this + ": " + describe(e), e);
        }
        try {
            started.start().toCompletableFuture().get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            close();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("cannot list " + this + ": " + describe(cause), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while listing " + this, e);
        }
        // The informer reports what it listed too, but maybe not yet: the first set is due now.
        recompute();
        log.info("following {}", this);
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
            SharedIndexInformer<T> created, Function<List<T>, DiscoveredBackends> read) {
        Runnable recompute = () -> publish(() -> read.apply(created.getStore().list()));
        created.addEventHandler(new Recompute<T>(recompute));
        synchronized (this) {
            informer = created;
            this.recompute = recompute;
        }
        return created;
    }

    /**
     * Reads the set and reports it if it changed. Both happen under the lock, so that a set read
     * later never reaches the listener before one read earlier.
     */
    private synchronized void publish(Supplier<DiscoveredBackends> read) {
        if (closed) {
            return;
        }
        DiscoveredBackends current = read.get();
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

    @Override
    public void close() {
        SharedIndexInformer<? extends HasMetadata> stopping;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = informer;
        }
        if (stopping != null) {
            stopping.close();
        }
        if (ownsClient) {
            client.close();
        }
    }

    private void recompute() {
        Runnable current;
        synchronized (this) {
            current = recompute;
        }
        current.run();
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
        return "Kubernetes endpoints of service " + namespace + "/" + service;
    }
}

package io.mysqlproxy.core.health;

import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.TopologyHolder;
import io.mysqlproxy.core.topology.Writability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Checks every backend of the current topology at a fixed interval, on threads of its own (never
 * an event loop): a scheduler thread starts each round, and each backend's check runs on a worker
 * so that a server that accepts connections but never answers delays only its own check, bounded
 * by the check timeout. Results change backend states through {@link BackendHealth}; every
 * transition is logged once with its reason and counted. After each check, {@code afterCheck}
 * weighs the new evidence about the primary ({@link PrimaryIdentification}).
 */
public final class HealthMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

    private final TopologyHolder topology;
    private final HealthSettings settings;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService workers;
    private final Map<Backend, Checked> checked = new ConcurrentHashMap<>();
    private final BiConsumer<Backend, BackendState> onTransition;
    private final Runnable afterCheck;
    /** The lag limit in force: a configuration reload may change it. */
    private volatile Duration maxReplicationLag;

    private HealthMonitor(
            TopologyHolder topology,
            HealthSettings settings,
            BiConsumer<Backend, BackendState> onTransition,
            Runnable afterCheck) {
        this.topology = topology;
        this.settings = settings;
        this.onTransition = onTransition;
        this.afterCheck = afterCheck;
        this.maxReplicationLag = settings.maxReplicationLag();
        AtomicInteger threads = new AtomicInteger();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "mysql-proxy-health"));
        this.workers = Executors.newCachedThreadPool(r -> daemon(r, "mysql-proxy-health-" + threads.incrementAndGet()));
    }

    /**
     * Starts checking at once, then every interval. {@code onTransition} hears of every state change a check
     * made (the backend and its new state); {@code afterCheck} runs after every check.
     */
    public static HealthMonitor start(
            TopologyHolder topology,
            HealthSettings settings,
            BiConsumer<Backend, BackendState> onTransition,
            Runnable afterCheck) {
        HealthMonitor monitor = new HealthMonitor(topology, settings, onTransition, afterCheck);
        monitor.scheduler.scheduleWithFixedDelay(
                monitor::round, 0, settings.interval().toNanos(), TimeUnit.NANOSECONDS);
        log.info("health monitor started: {}", settings);
        return monitor;
    }

    private void round() {
        Topology current = topology.current();
        for (Backend backend : current.all()) {
            Checked entry = checked.computeIfAbsent(
                    backend,
                    b -> new Checked(
                            new BackendProbe(b, settings, () -> maxReplicationLag, this::primaryUnknown),
                            new BackendHealth(b, topology, settings.ejectAfter(), settings.readmitAfter())));
            // One check per backend at a time: a slow one skips rounds instead of piling up.
            if (entry.running.compareAndSet(0, 1)) {
                workers.execute(() -> {
                    try {
                        BackendHealth.Transition transition = entry.health.apply(entry.probe.check());
                        if (transition != null) {
                            onTransition.accept(backend, transition.to());
                            log.warn(
                                    "backend {} is now {} (was {}): {}",
                                    backend,
                                    transition.to().label(),
                                    transition.from().label(),
                                    transition.reason());
                        }
                        afterCheck.run();
                    } catch (RuntimeException e) {
                        log.error("health check of {} failed unexpectedly", backend, e);
                    } finally {
                        entry.running.set(0);
                    }
                });
            }
        }
        // Backends that left the topology: stop checking them.
        checked.keySet().removeIf(backend -> {
            if (!current.contains(backend)) {
                checked.get(backend).probe.close();
                return true;
            }
            return false;
        });
    }

    private boolean primaryUnknown() {
        Topology current = topology.current();
        return current.condition(current.primary()).writability() == Writability.UNKNOWN;
    }

    /** A configuration reload changed {@code health.max-replication-lag}: the next checks use it. */
    public void maxReplicationLag(Duration limit) {
        if (!limit.equals(maxReplicationLag)) {
            log.info(
                    "health: max-replication-lag is now {} s (was {} s)",
                    limit.toSeconds(),
                    maxReplicationLag.toSeconds());
            maxReplicationLag = limit;
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        workers.shutdownNow();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checked.values().forEach(entry -> entry.probe.close());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }

    private record Checked(BackendProbe probe, BackendHealth health, AtomicInteger running) {
        Checked(BackendProbe probe, BackendHealth health) {
            this(probe, health, new AtomicInteger());
        }
    }
}

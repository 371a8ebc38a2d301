package io.mysqlproxy.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendCondition;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The proxy's metrics, in one Micrometer registry scraped by Prometheus on the admin port. Labels
 * are bounded: backend address and role, route reason, statement outcome; never SQL text, user
 * names or other client-supplied strings. Per-backend meters are created when the backend joins
 * the topology and removed when it leaves, so recording a statement is a map lookup and an
 * increment, and a backend that is gone leaves no series behind.
 *
 * <p>The metrics sit low, just above the topology, so any layer may record into them; they import
 * neither the router nor the pools. The composition root names the routing reasons (an enum and
 * its label) and adds the per-backend meters that read other components, such as the pools'
 * {@link BackendMeter}s.
 */
public final class ProxyMetrics implements AutoCloseable {

    /** One proxy-wide figure of {@link #stats()}: a name such as {@code routing_decisions.read}, and its value. */
    public record Stat(String name, long value) {}

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Backend, BackendMeters> backends = new ConcurrentHashMap<>();
    /** The enum whose constants are the routing reasons, and their labels by ordinal. */
    private final Class<?> reasonType;

    private final String[] reasonLabels;
    /** Routing decisions by reason ordinal, registered on first use (a race registers the same meter twice). */
    private final Counter[] decisions;

    private final Counter authenticationFailures;
    private final Counter transactions;
    private final Counter healthTransitions;
    private final Counter primaryChanges;
    private final Counter backendsAdded;
    private final Counter backendsRemoved;
    private final Counter reloadsApplied;
    private final Counter reloadsRejected;
    private final AtomicInteger writesRefused = new AtomicInteger();
    private final OutageMeters outages;
    private final LoginMeters logins;
    private final ConsistencyMeters consistency;
    private final SessionMeters sessions;
    private final List<BackendMeter> backendMeters;
    private final Supplier<Topology> topology;
    private final AtomicInteger clientConnections;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /**
     * @param topology      the current snapshot, which the state and lag gauges read
     * @param reasons       the routing reasons that {@link #routed} counts (every constant is listed by {@link #stats()})
     * @param reasonLabel   a reason's metrics label, bounded and lower-case
     * @param backendMeters meters every backend gets besides the ones made here (the pools' and their load)
     */
    public <R extends Enum<R>> ProxyMetrics(
            Supplier<Topology> topology,
            AtomicInteger clientConnections,
            Class<R> reasons,
            Function<R, String> reasonLabel,
            List<BackendMeter> backendMeters) {
        this.topology = topology;
        this.clientConnections = clientConnections;
        this.reasonType = reasons;
        R[] constants = reasons.getEnumConstants();
        this.reasonLabels = new String[constants.length];
        for (R reason : constants) {
            reasonLabels[reason.ordinal()] = reasonLabel.apply(reason);
        }
        this.decisions = new Counter[constants.length];
        this.backendMeters = List.copyOf(backendMeters);
        Gauge.builder("mysqlproxy_client_connections", clientConnections, AtomicInteger::get)
                .description("Open client connections")
                .register(registry);
        authenticationFailures = counter("mysqlproxy_authentication_failures", "Client logins refused");
        transactions = counter("mysqlproxy_transactions", "Transactions started by clients (BEGIN, START TRANSACTION)");
        healthTransitions = counter(
                "mysqlproxy_backend_state_transitions", "Backend state changes made by health checks and discovery");
        primaryChanges =
                counter("mysqlproxy_primary_changes", "Promotions of a replica found to be the only writable server");
        backendsAdded =
                counter("mysqlproxy_backends_added", "Backends that joined the topology (discovery, promotion)");
        backendsRemoved =
                counter("mysqlproxy_backends_removed", "Backends that left the topology (discovery, promotion)");
        reloadsApplied = counter("mysqlproxy_config_reloads", "Configuration reloads, by result", "result", "applied");
        reloadsRejected =
                counter("mysqlproxy_config_reloads", "Configuration reloads, by result", "result", "rejected");
        outages = new OutageMeters(registry);
        logins = new LoginMeters(registry);
        consistency = new ConsistencyMeters(registry);
        sessions = new SessionMeters(registry);
        Gauge.builder("mysqlproxy_writes_refused", writesRefused, AtomicInteger::get)
                .description("1 while writes are refused because the evidence about the primary conflicts")
                .register(registry);
        // The process itself: heap and live data after GC, threads, open file descriptors, CPU, uptime.
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Stops listening for GC notifications (the JVM outlives a proxy in tests). */
    @Override
    public void close() {
        gc.close();
    }

    private Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * A client statement was sent to {@code backend} for {@code reason}, a constant of the reasons
     * given to the constructor: array lookups and increments, no allocation once its meters exist.
     */
    public void routed(Backend backend, Enum<?> reason) {
        if (reason.getDeclaringClass() != reasonType) {
            throw new IllegalArgumentException(reason + " is not one of the routing reasons " + reasonType.getName());
        }
        int ordinal = reason.ordinal();
        BackendMeters meters = backends.get(backend);
        if (meters != null) {
            meters.routed(ordinal).increment();
        }
        Counter decided = decisions[ordinal];
        if (decided == null) {
            decided = Counter.builder("mysqlproxy_routing_decisions")
                    .description("Routing decisions by reason")
                    .tag("reason", reasonLabels[ordinal])
                    .register(registry);
            decisions[ordinal] = decided;
        }
        decided.increment();
    }

    /** A client statement on {@code backend} ended, after {@code nanos}, with an ERR or not. */
    public void completed(Backend backend, long nanos, boolean failed) {
        BackendMeters meters = backends.get(backend);
        if (meters == null) {
            return; // work that finished on a backend after it left the topology
        }
        meters.latency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (failed) {
            meters.errors.increment();
        }
    }

    public void authenticationFailed() {
        authenticationFailures.increment();
    }

    public void transactionStarted() {
        transactions.increment();
    }

    public void stateChanged() {
        healthTransitions.increment();
    }

    public void primaryChanged() {
        primaryChanges.increment();
    }

    /** Client statements on {@code backend} answered with an ERR packet, as {@code /metrics} counts them. */
    public long statementErrors(Backend backend) {
        BackendMeters meters = backends.get(backend);
        return meters == null ? 0 : (long) meters.errors.count();
    }

    /**
     * The proxy-wide figures, read from the meters {@code /metrics} scrapes (so both always agree), for
     * SHOW PROXY STATS: client connections, authentication failures, transactions, backend state changes,
     * statements routed and statement errors over all backends, and routing decisions by every reason.
     */
    public List<Stat> stats() {
        long statements = 0;
        long errors = 0;
        for (BackendMeters meters : backends.values()) {
            statements += meters.routedTotal();
            errors += (long) meters.errors.count();
        }
        List<Stat> stats = new ArrayList<>();
        stats.add(new Stat("client_connections", clientConnections.get()));
        stats.add(new Stat("authentication_failures", (long) authenticationFailures.count()));
        logins.addStats(stats);
        stats.add(new Stat("transactions", (long) transactions.count()));
        stats.add(new Stat("backend_state_transitions", (long) healthTransitions.count()));
        stats.add(new Stat("statements", statements));
        stats.add(new Stat("statement_errors", errors));
        for (int reason = 0; reason < reasonLabels.length; reason++) {
            Counter counter = decisions[reason];
            stats.add(new Stat(
                    "routing_decisions." + reasonLabels[reason], counter == null ? 0 : (long) counter.count()));
        }
        stats.add(new Stat("primary_changes", (long) primaryChanges.count()));
        stats.add(new Stat("writes_refused", writesRefused.get()));
        outages.addStats(stats);
        consistency.addStats(stats);
        stats.add(new Stat("backends_added", (long) backendsAdded.count()));
        stats.add(new Stat("backends_removed", (long) backendsRemoved.count()));
        return stats;
    }

    /** A configuration reload was applied, or rejected (the running configuration stayed). */
    public void configReloaded(boolean applied) {
        (applied ? reloadsApplied : reloadsRejected).increment();
    }

    /** What the primary's outages cost: statements that waited for it, transactions lost with a connection. */
    public OutageMeters outages() {
        return outages;
    }

    /** Failed-login blocks and delays, per-user limits. */
    public LoginMeters logins() {
        return logins;
    }

    /** Global consistency's position lookups, waits and fallbacks. */
    public ConsistencyMeters consistency() {
        return consistency;
    }

    /** Client sessions and what keeps them on their backend connections. */
    public SessionMeters sessions() {
        return sessions;
    }

    public void writesRefused(boolean refused) {
        writesRefused.set(refused ? 1 : 0);
    }

    /** Creates the meters of the backend the proxy starts with. */
    public void register(Backend backend) {
        backends.computeIfAbsent(backend, BackendMeters::new);
    }

    /** A backend joined the topology (by discovery or promotion): counted, and given its meters. */
    public void added(Backend backend) {
        backendsAdded.increment();
        register(backend);
    }

    /** A backend left the topology: counted, and its meters are removed. */
    public void removed(Backend backend) {
        backendsRemoved.increment();
        BackendMeters meters = backends.remove(backend);
        if (meters != null) {
            meters.registered.forEach(registry::remove);
        }
    }

    private final class BackendMeters {
        private final Backend backend;
        /** Every meter made for this backend, to remove them when it leaves. */
        private final List<Meter> registered = new java.util.concurrent.CopyOnWriteArrayList<>();

        private final Counter[] routedByReason = new Counter[reasonLabels.length];
        private final Timer latency;
        private final Counter errors;

        BackendMeters(Backend backend) {
            this.backend = backend;
            latency = keep(Timer.builder("mysqlproxy_backend_statement_duration")
                    .description("Time from sending a client statement to the end of its response")
                    .tags(tags())
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofNanos(50_000))
                    .maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry));
            errors = keep(Counter.builder("mysqlproxy_backend_statement_errors")
                    .description("Client statements answered with an ERR packet")
                    .tags(tags())
                    .register(registry));
            gauge(
                    "mysqlproxy_backend_up",
                    "1 when the backend takes new work",
                    b -> topology.get().state(b) == BackendState.UP ? 1 : 0);
            for (BackendState state : BackendState.values()) {
                keep(Gauge.builder(
                                "mysqlproxy_backend_state",
                                backend,
                                b -> topology.get().state(b) == state ? 1 : 0)
                        .description("1 for the backend's current state")
                        .tags(tags())
                        .tag("state", state.label())
                        .register(registry));
            }
            gauge(
                    "mysqlproxy_backend_replication_lag_seconds",
                    "Replication lag at the last check (-1: unknown)",
                    b -> {
                        BackendCondition condition = topology.get().condition(b);
                        return condition == null ? -1 : condition.lagSeconds();
                    });
            for (BackendMeter meter : backendMeters) {
                keep(
                        switch (meter.kind()) {
                            case GAUGE ->
                                Gauge.builder(meter.name(), backend, meter.value())
                                        .description(meter.description())
                                        .tags(tags())
                                        .register(registry);
                            case COUNTER ->
                                FunctionCounter.builder(meter.name(), backend, meter.value())
                                        .description(meter.description())
                                        .tags(tags())
                                        .register(registry);
                        });
            }
        }

        private void gauge(String name, String description, ToDoubleFunction<Backend> value) {
            keep(Gauge.builder(name, backend, value)
                    .description(description)
                    .tags(tags())
                    .register(registry));
        }

        private <M extends Meter> M keep(M meter) {
            registered.add(meter);
            return meter;
        }

        /** Address, role, and the pod's name under Kubernetes discovery (empty otherwise): all bounded by the topology. */
        private String[] tags() {
            String pod = backend.pod();
            return new String[] {
                "backend", backend.address().toString(), "role", backend.role().label(), "pod", pod == null ? "" : pod
            };
        }

        long routedTotal() {
            long total = 0;
            for (Counter counter : routedByReason) {
                total += counter == null ? 0 : (long) counter.count();
            }
            return total;
        }

        Counter routed(int reason) {
            Counter counter = routedByReason[reason];
            if (counter == null) {
                counter = keep(Counter.builder("mysqlproxy_backend_statements")
                        .description("Client statements routed to the backend, by reason")
                        .tags(tags())
                        .tag("reason", reasonLabels[reason])
                        .register(registry));
                routedByReason[reason] = counter;
            }
            return counter;
        }
    }
}

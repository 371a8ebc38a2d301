package io.mysqlproxy.core.topology;

import io.mysqlproxy.core.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Turns each set a {@link Discovery} reports into the next {@link Topology} snapshot.
 *
 * <p>Discovery supplies replicas: an endpoint that is the configured primary (ordinal 0, or its
 * address) or the current primary is never taken as a replica. The primary changes only through
 * {@link #promote}, when the health checks find that a replica has become the writable server;
 * the configured primary then stays on as a replica, whatever discovery reports. A replica
 * whose address is still reported stays the same {@link Backend}, with its condition; a new
 * address joins as UP. A replica that is no longer reported (gone, or not ready) drains
 * ({@link BackendState#DRAINING}) by leaving the topology;
 * one whose pod is terminating stays in it, draining, until it is gone. Work already on a draining
 * backend finishes there; the balancer gives it nothing new. Each such change is logged once.
 */
public final class TopologyUpdater implements Consumer<DiscoveredBackends> {

    private static final Logger log = LoggerFactory.getLogger(TopologyUpdater.class);

    /** What else needs to hear of a change (metrics); called under the updater's lock, so keep it short. */
    public interface Changes {
        /** A replica joined the topology. */
        default void added(Backend backend) {}

        /** Discovery drained a replica, or let a drained one serve again. */
        default void stateChanged(Backend backend, BackendState from, BackendState to) {}

        /** A replica left the topology (it is draining; sessions may still hold it). */
        default void removed(Backend backend) {}
    }

    private static final Changes NONE = new Changes() {};

    private final TopologyHolder holder;
    private Map<HostPort, Integer> weights;
    private final Changes changes;
    private final HostPort configuredPrimary;

    /** {@code weights}: replica weights by address (1 for an address not listed). */
    public TopologyUpdater(TopologyHolder holder, Map<HostPort, Integer> weights) {
        this(holder, weights, NONE);
    }

    public TopologyUpdater(TopologyHolder holder, Map<HostPort, Integer> weights, Changes changes) {
        this.holder = holder;
        this.weights = Map.copyOf(weights);
        this.changes = changes;
        this.configuredPrimary = holder.current().primary().address();
    }

    @Override
    public synchronized void accept(DiscoveredBackends discovered) {
        publish(current -> discover(current, discovered));
    }

    private Topology discover(Topology current, DiscoveredBackends discovered) {
        Backend primary = current.primary();
        Map<HostPort, DiscoveredBackends.Endpoint> wanted = replicasOf(discovered, primary.address());

        Map<HostPort, Backend> existing = new LinkedHashMap<>();
        current.replicas().forEach(replica -> existing.put(replica.address(), replica));

        List<Backend> next = new ArrayList<>(wanted.size());
        Map<Backend, BackendCondition> conditions = new HashMap<>();
        conditions.put(primary, current.condition(primary));
        for (Backend replica : current.replicas()) {
            BackendCondition condition = current.condition(replica);
            if (replica.address().equals(configuredPrimary)) {
                // The configured primary, demoted by a promotion: not discovery's to remove.
                next.add(replica);
                conditions.put(replica, condition);
                continue;
            }
            DiscoveredBackends.Endpoint endpoint = wanted.get(replica.address());
            if (endpoint == null) {
                continue;
            }
            if (endpoint.terminating() && condition.state() != BackendState.DRAINING) {
                condition = condition.withState(BackendState.DRAINING);
            } else if (!endpoint.terminating() && condition.state() == BackendState.DRAINING) {
                // Only discovery drains a backend, so this one is back from a drain discovery started.
                condition = condition.withState(BackendState.UP);
            }
            next.add(replica);
            conditions.put(replica, condition);
        }
        for (DiscoveredBackends.Endpoint endpoint : wanted.values()) {
            if (existing.containsKey(endpoint.address())) {
                continue;
            }
            if (endpoint.terminating()) {
                // Already leaving: nothing would be sent to it.
                continue;
            }
            Backend added = new Backend(endpoint.address(), BackendRole.REPLICA, endpoint.name());
            next.add(added);
            conditions.put(added, BackendCondition.initial(weights.getOrDefault(endpoint.address(), 1)));
        }
        Topology proposed = new Topology(primary, next, conditions);
        return same(current, proposed) ? current : proposed;
    }

    /** A configuration reload changed the replica weights: they apply to current and future replicas. */
    public synchronized void weights(Map<HostPort, Integer> next) {
        weights = Map.copyOf(next);
        publish(current -> {
            Topology updated = current;
            for (Backend replica : current.replicas()) {
                updated = updated.with(
                        replica, current.condition(replica).withWeight(weights.getOrDefault(replica.address(), 1)));
            }
            return updated;
        });
    }

    /**
     * Makes {@code replica} the primary. Sessions, pools and meters key on a backend's identity,
     * role included, so both servers become new backends: the new primary, and the old primary as
     * a replica (it is checked like any other and serves reads once healthy). The old ones leave
     * the topology draining, so that work in flight on them finishes and new work goes to the new ones.
     */
    public synchronized void promote(Backend replica) {
        publish(current -> {
            if (!current.replicas().contains(replica)) {
                return current;
            }
            Backend oldPrimary = current.primary();
            Backend primary = new Backend(replica.address(), BackendRole.PRIMARY, replica.name());
            Backend demoted = new Backend(oldPrimary.address(), BackendRole.REPLICA, oldPrimary.name());
            List<Backend> replicas = new ArrayList<>(current.replicas());
            replicas.remove(replica);
            replicas.add(demoted);
            Map<Backend, BackendCondition> conditions = new HashMap<>();
            replicas.forEach(r -> conditions.put(r, current.condition(r)));
            conditions.put(primary, BackendCondition.initial(1));
            conditions.put(demoted, BackendCondition.initial(weights.getOrDefault(oldPrimary.address(), 1)));
            return new Topology(primary, replicas, conditions);
        });
    }

    /**
     * Publishes {@code change} of the current snapshot. A health check may publish in between (this
     * updater's lock does not cover it): then the change is made again on that newer snapshot, so
     * neither is lost. {@code change} must be free of side effects; what it did is told afterwards,
     * by comparing the snapshot it changed with the one it made. Joiners are told first, so that
     * their meters exist before any work reaches them.
     */
    private void publish(UnaryOperator<Topology> change) {
        Set<Backend> announced = new HashSet<>();
        while (true) {
            Topology current = holder.current();
            Topology next = change.apply(current);
            if (next == current) {
                return;
            }
            boolean promotion = !next.primary().equals(current.primary());
            for (Backend backend : next.all()) {
                if (!current.contains(backend) && announced.add(backend)) {
                    if (!promotion) {
                        log.info("discovery: {} added", backend);
                    }
                    changes.added(backend);
                }
            }
            if (holder.compareAndSet(current, next)) {
                told(current, next, promotion);
                return;
            }
        }
    }

    /** Logs and reports the drains and departures between {@code before} and {@code after}. */
    private void told(Topology before, Topology after, boolean promotion) {
        for (Backend backend : before.all()) {
            BackendState from = before.state(backend);
            BackendState to = after.state(backend);
            if (from != to) {
                changes.stateChanged(backend, from, to);
                if (!promotion && after.contains(backend)) {
                    log.info(
                            to == BackendState.DRAINING
                                    ? "discovery: {} is terminating: draining, no new work"
                                    : "discovery: {} serves again",
                            backend);
                }
            }
            if (!after.contains(backend)) {
                if (!promotion) {
                    log.info("discovery: {} removed: draining, no new work", backend);
                }
                changes.removed(backend);
            }
        }
        if (promotion) {
            log.warn(
                    "primary is now {}; {} serves as a replica",
                    after.primary(),
                    new Backend(
                            before.primary().address(),
                            BackendRole.REPLICA,
                            before.primary().name()));
        }
    }

    /** Whether two snapshots hold the same backends in the same order and conditions. */
    private static boolean same(Topology a, Topology b) {
        if (!a.all().equals(b.all())) {
            return false;
        }
        for (Backend backend : a.all()) {
            if (!a.condition(backend).equals(b.condition(backend))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The replicas among {@code discovered}, by address. An address reported twice (two slices
     * during a change) counts once, and as terminating only if every report says so.
     */
    private Map<HostPort, DiscoveredBackends.Endpoint> replicasOf(DiscoveredBackends discovered, HostPort primary) {
        Map<HostPort, DiscoveredBackends.Endpoint> replicas = new LinkedHashMap<>();
        for (DiscoveredBackends.Endpoint endpoint : discovered.endpoints()) {
            if (endpoint.role() == BackendRole.PRIMARY
                    || endpoint.address().equals(primary)
                    || endpoint.address().equals(configuredPrimary)) {
                continue;
            }
            replicas.merge(endpoint.address(), endpoint, (a, b) -> a.terminating() && !b.terminating() ? b : a);
        }
        return replicas;
    }
}

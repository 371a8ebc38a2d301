package io.mysqlproxy.core.topology;

import io.mysqlproxy.core.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns each set a {@link Discovery} reports into the next {@link Topology} snapshot.
 *
 * <p>Discovery supplies replicas: an endpoint that is the configured primary (ordinal 0, or its
 * address) or the current primary is never taken as a replica. The primary changes only through
 * {@link #promote}, when the health checks find that a replica has become the writable server;
 * the configured primary then stays on as a replica, whatever discovery reports. A replica
 * whose address is still reported keeps its {@link Backend} object, since sessions, pools and the
 * health monitor key on that identity; a new address gets a new one. A replica that is no longer
 * reported (gone, or not ready) is marked {@link BackendState#DRAINING} and leaves the topology;
 * one whose pod is terminating stays in it, draining, until it is gone. Work already on a draining
 * backend finishes there; the balancer gives it nothing new. Each such change is logged once.
 */
public final class TopologyUpdater implements Consumer<DiscoveredBackends> {

    private static final Logger log = LoggerFactory.getLogger(TopologyUpdater.class);

    /** What else needs to hear of a change (metrics); called under the updater's lock, so keep it short. */
    public interface Changes {
        /** A replica joined the topology. */
        default void added(Backend backend) {
        }

        /** Discovery drained a replica, or let a drained one serve again. */
        default void stateChanged(Backend backend, BackendState from, BackendState to) {
        }

        /** A replica left the topology (it is draining; sessions may still hold it). */
        default void removed(Backend backend) {
        }
    }

    private static final Changes NONE = new Changes() {
    };

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
        Topology current = holder.current();
        Backend primary = current.primary();
        Map<HostPort, DiscoveredBackends.Endpoint> wanted = replicasOf(discovered, primary.address());

        Map<HostPort, Backend> existing = new LinkedHashMap<>();
        current.replicas().forEach(replica -> existing.put(replica.address(), replica));

        List<Backend> next = new ArrayList<>(wanted.size());
        for (Backend replica : current.replicas()) {
            if (replica.address().equals(configuredPrimary)) {
                // The configured primary, demoted by a promotion: not discovery's to remove.
                next.add(replica);
                continue;
            }
            DiscoveredBackends.Endpoint endpoint = wanted.get(replica.address());
            if (endpoint == null) {
                move(replica, BackendState.DRAINING);
                log.info("discovery: {} removed: draining, no new work", replica);
                changes.removed(replica);
                continue;
            }
            if (endpoint.terminating() && replica.state() != BackendState.DRAINING) {
                move(replica, BackendState.DRAINING);
                log.info("discovery: {} is terminating: draining, no new work", replica);
            } else if (!endpoint.terminating() && replica.state() == BackendState.DRAINING) {
                // Only discovery drains a backend, so this one is back from a drain discovery started.
                move(replica, BackendState.UP);
                log.info("discovery: {} serves again", replica);
            }
            next.add(replica);
        }
        for (DiscoveredBackends.Endpoint endpoint : wanted.values()) {
            if (existing.containsKey(endpoint.address())) {
                continue;
            }
            if (endpoint.terminating()) {
                // Already leaving: nothing would be sent to it.
                continue;
            }
            Backend added = new Backend(endpoint.address(), BackendRole.REPLICA, endpoint.name(),
                    weights.getOrDefault(endpoint.address(), 1));
            next.add(added);
            log.info("discovery: {} added", added);
            changes.added(added);
        }
        if (!next.equals(current.replicas())) {
            holder.replace(new Topology(primary, next));
        }
    }

    /** A configuration reload changed the replica weights: they apply to current and future replicas. */
    public synchronized void weights(Map<HostPort, Integer> next) {
        weights = Map.copyOf(next);
        for (Backend replica : holder.current().replicas()) {
            replica.weight(weights.getOrDefault(replica.address(), 1));
        }
    }

    /**
     * Makes {@code replica} the primary. Sessions, pools and meters key on a backend's identity,
     * role included, so both servers get new {@link Backend} objects: the new primary, and the old
     * primary as a replica (it is checked like any other and serves reads once healthy). The old
     * objects drain, so that work in flight on them finishes and new work goes to the new ones.
     */
    public synchronized void promote(Backend replica) {
        Topology current = holder.current();
        if (!current.replicas().contains(replica)) {
            return;
        }
        Backend oldPrimary = current.primary();
        Backend primary = new Backend(replica.address(), BackendRole.PRIMARY, replica.name(), 1);
        Backend demoted = new Backend(oldPrimary.address(), BackendRole.REPLICA, oldPrimary.name(),
                weights.getOrDefault(oldPrimary.address(), 1));
        List<Backend> replicas = new ArrayList<>(current.replicas());
        replicas.remove(replica);
        replicas.add(demoted);
        for (Backend old : List.of(oldPrimary, replica)) {
            move(old, BackendState.DRAINING);
            changes.removed(old);
        }
        changes.added(primary);
        changes.added(demoted);
        holder.replace(new Topology(primary, replicas));
        log.warn("primary is now {}; {} serves as a replica", primary, demoted);
    }

    private void move(Backend backend, BackendState to) {
        BackendState from = backend.state();
        if (from != to) {
            backend.state(to);
            changes.stateChanged(backend, from, to);
        }
    }

    /**
     * The replicas among {@code discovered}, by address. An address reported twice (two slices
     * during a change) counts once, and as terminating only if every report says so.
     */
    private Map<HostPort, DiscoveredBackends.Endpoint> replicasOf(DiscoveredBackends discovered, HostPort primary) {
        Map<HostPort, DiscoveredBackends.Endpoint> replicas = new LinkedHashMap<>();
        for (DiscoveredBackends.Endpoint endpoint : discovered.endpoints()) {
            if (endpoint.role() == BackendRole.PRIMARY || endpoint.address().equals(primary)
                    || endpoint.address().equals(configuredPrimary)) {
                continue;
            }
            replicas.merge(endpoint.address(), endpoint, (a, b) -> a.terminating() && !b.terminating() ? b : a);
        }
        return replicas;
    }
}

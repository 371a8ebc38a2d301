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
 * <p>The configured primary stays the primary: discovery supplies replicas, and an endpoint that
 * is the primary (ordinal 0, or the primary's own address) is never taken as a replica. A replica
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
    private final Map<HostPort, Integer> weights;
    private final Changes changes;

    /** {@code weights}: replica weights by address (1 for an address not listed). */
    public TopologyUpdater(TopologyHolder holder, Map<HostPort, Integer> weights) {
        this(holder, weights, NONE);
    }

    public TopologyUpdater(TopologyHolder holder, Map<HostPort, Integer> weights, Changes changes) {
        this.holder = holder;
        this.weights = Map.copyOf(weights);
        this.changes = changes;
    }

    @Override
    public synchronized void accept(DiscoveredBackends discovered) {
        Topology current = holder.current();
        Backend primary = current.primary();
        Map<HostPort, DiscoveredBackends.Endpoint> wanted = replicasOf(discovered, primary);

        Map<HostPort, Backend> existing = new LinkedHashMap<>();
        current.replicas().forEach(replica -> existing.put(replica.address(), replica));

        List<Backend> next = new ArrayList<>(wanted.size());
        for (Backend replica : current.replicas()) {
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
    private static Map<HostPort, DiscoveredBackends.Endpoint> replicasOf(DiscoveredBackends discovered,
                                                                         Backend primary) {
        Map<HostPort, DiscoveredBackends.Endpoint> replicas = new LinkedHashMap<>();
        for (DiscoveredBackends.Endpoint endpoint : discovered.endpoints()) {
            if (endpoint.role() == BackendRole.PRIMARY || endpoint.address().equals(primary.address())) {
                continue;
            }
            replicas.merge(endpoint.address(), endpoint, (a, b) -> a.terminating() && !b.terminating() ? b : a);
        }
        return replicas;
    }
}

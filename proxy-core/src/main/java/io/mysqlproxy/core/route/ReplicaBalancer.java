package io.mysqlproxy.core.route;

import io.mysqlproxy.core.config.Balancer;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.Topology;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * Picks the replica for a read among those that are up: least outstanding requests (the default),
 * round robin, or at random by weight. Keeps the read-your-writes cooldowns, which only this
 * choice reads. Lock-free and allocation-free; shared by all sessions.
 */
public final class ReplicaBalancer {

    private final Balancer mode;
    private final ToIntFunction<Backend> outstanding;
    private final ConsistencyCooldowns cooldowns = new ConsistencyCooldowns();
    private final AtomicInteger turn = new AtomicInteger();

    /** @param outstanding requests in flight on a replica (its pool's count) */
    public ReplicaBalancer(Balancer mode, ToIntFunction<Backend> outstanding) {
        this.mode = mode;
        this.outstanding = outstanding;
    }

    /** After a read-your-writes wait timed out on {@code replica}: such reads go elsewhere for {@code nanos}. */
    public void coolDown(Backend replica, long nanos) {
        cooldowns.coolDown(replica, nanos);
    }

    public boolean coolingDown(Backend replica) {
        return cooldowns.coolingDown(replica);
    }

    /**
     * A usable replica, or null if there is none. With {@code avoidCoolingDown}, replicas that
     * recently failed a read-your-writes wait are skipped.
     */
    public Backend choose(Topology topology, boolean avoidCoolingDown) {
        return pick(topology, avoidCoolingDown, true);
    }

    /**
     * What {@link #choose} would pick now, without taking a turn: the same replica as the next
     * choice if nothing changes meanwhile (for {@code weighted}, a draw of its own with the same odds).
     * For EXPLAIN ROUTE and availability checks, which must not move the rotation.
     */
    public Backend preview(Topology topology, boolean avoidCoolingDown) {
        return pick(topology, avoidCoolingDown, false);
    }

    private Backend pick(Topology topology, boolean avoidCoolingDown, boolean takeTurn) {
        List<Backend> replicas = topology.usableReplicas();
        int n = replicas.size();
        if (n == 0) {
            return null;
        }
        return switch (mode) {
            case LEAST_OUTSTANDING -> leastOutstanding(replicas, avoidCoolingDown, start(n, takeTurn));
            case ROUND_ROBIN -> roundRobin(replicas, avoidCoolingDown, start(n, takeTurn));
            case WEIGHTED -> weighted(topology, replicas, avoidCoolingDown);
        };
    }

    /** Where a scan starts: a rotating offset, so that ties (the common case when idle) are spread evenly. */
    private int start(int n, boolean takeTurn) {
        return Math.floorMod(takeTurn ? turn.getAndIncrement() : turn.get(), n);
    }

    private Backend leastOutstanding(List<Backend> replicas, boolean avoidCoolingDown, int start) {
        int n = replicas.size();
        Backend best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            Backend candidate = replicas.get((start + i) % n);
            if (eligible(candidate, avoidCoolingDown)) {
                int load = outstanding.applyAsInt(candidate);
                if (load < bestLoad) {
                    best = candidate;
                    bestLoad = load;
                }
            }
        }
        return best;
    }

    private Backend roundRobin(List<Backend> replicas, boolean avoidCoolingDown, int start) {
        int n = replicas.size();
        for (int i = 0; i < n; i++) {
            Backend candidate = replicas.get((start + i) % n);
            if (eligible(candidate, avoidCoolingDown)) {
                return candidate;
            }
        }
        return null;
    }

    private Backend weighted(Topology topology, List<Backend> replicas, boolean avoidCoolingDown) {
        int total = 0;
        for (Backend candidate : replicas) {
            if (eligible(candidate, avoidCoolingDown)) {
                total += topology.condition(candidate).weight();
            }
        }
        if (total == 0) {
            return null;
        }
        int pick = ThreadLocalRandom.current().nextInt(total);
        for (Backend candidate : replicas) {
            if (eligible(candidate, avoidCoolingDown)) {
                pick -= topology.condition(candidate).weight();
                if (pick < 0) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /** {@code replica} is usable already: the snapshot lists only those. */
    private boolean eligible(Backend replica, boolean avoidCoolingDown) {
        return !(avoidCoolingDown && cooldowns.coolingDown(replica));
    }
}

package io.mysqlproxy.core.route;

import io.mysqlproxy.core.config.Balancer;
import io.mysqlproxy.core.topology.Backend;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the replica for a read among those that are up: least outstanding requests (the default),
 * round robin, or at random by weight. Lock-free; shared by all sessions.
 */
public final class ReplicaBalancer {

    private final Balancer mode;
    private final AtomicInteger turn = new AtomicInteger();

    public ReplicaBalancer(Balancer mode) {
        this.mode = mode;
    }

    /**
     * A usable replica, or null if there is none. With {@code avoidCoolingDown}, replicas that
     * recently failed a read-your-writes wait are skipped.
     */
    public Backend choose(List<Backend> replicas, boolean avoidCoolingDown) {
        return pick(replicas, avoidCoolingDown, true);
    }

    /**
     * What {@link #choose} would pick now, without taking a turn: the same replica as the next
     * choice if nothing changes meanwhile (for {@code weighted}, a draw of its own with the same odds).
     * For EXPLAIN ROUTE and availability checks, which must not move the rotation.
     */
    public Backend preview(List<Backend> replicas, boolean avoidCoolingDown) {
        return pick(replicas, avoidCoolingDown, false);
    }

    private Backend pick(List<Backend> replicas, boolean avoidCoolingDown, boolean takeTurn) {
        int n = replicas.size();
        if (n == 0) {
            return null;
        }
        return switch (mode) {
            case LEAST_OUTSTANDING -> leastOutstanding(replicas, avoidCoolingDown, start(n, takeTurn));
            case ROUND_ROBIN -> roundRobin(replicas, avoidCoolingDown, start(n, takeTurn));
            case WEIGHTED -> weighted(replicas, avoidCoolingDown);
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
            if (eligible(candidate, avoidCoolingDown) && candidate.outstanding() < bestLoad) {
                best = candidate;
                bestLoad = candidate.outstanding();
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

    private Backend weighted(List<Backend> replicas, boolean avoidCoolingDown) {
        int total = 0;
        for (Backend candidate : replicas) {
            if (eligible(candidate, avoidCoolingDown)) {
                total += candidate.weight();
            }
        }
        if (total == 0) {
            return null;
        }
        int pick = ThreadLocalRandom.current().nextInt(total);
        for (Backend candidate : replicas) {
            if (eligible(candidate, avoidCoolingDown)) {
                pick -= candidate.weight();
                if (pick < 0) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static boolean eligible(Backend replica, boolean avoidCoolingDown) {
        return replica.usable() && !(avoidCoolingDown && replica.coolingDownForConsistency());
    }
}

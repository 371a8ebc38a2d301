package io.mysqlproxy.core.route;

import io.mysqlproxy.core.topology.Backend;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Replicas that recently timed out a read-your-writes wait: reads that follow a write avoid them
 * for a while, so that one slow replica does not make every such read wait. Checked per read,
 * lock-free and allocation-free; set rarely (on a timeout), which is when expired entries go.
 */
final class ConsistencyCooldowns {

    /** Until when (System.nanoTime()) each replica is avoided. */
    private final Map<Backend, Long> until = new ConcurrentHashMap<>();

    void coolDown(Backend replica, long nanos) {
        long now = System.nanoTime();
        until.values().removeIf(end -> end - now <= 0);
        until.put(replica, now + nanos);
    }

    boolean coolingDown(Backend replica) {
        if (until.isEmpty()) {
            return false;
        }
        Long end = until.get(replica);
        return end != null && System.nanoTime() - end < 0;
    }
}

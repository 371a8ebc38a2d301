package io.mysqlproxy.core.pool;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many connections of a pool sit idle, in all and per {@link PoolKey}, across every event loop's
 * stacks. The per-key count lets each loop trim its own share of a key's excess over the idle
 * reserve without locking: a loop closes a connection only after winning one unit of that excess.
 */
final class IdleCounts {

    private final AtomicInteger total = new AtomicInteger();
    private final Map<PoolKey, AtomicInteger> byKey = new ConcurrentHashMap<>();

    int total() {
        return total.get();
    }

    int of(PoolKey key) {
        AtomicInteger count = byKey.get(key);
        return count == null ? 0 : count.get();
    }

    void added(PoolKey key) {
        total.incrementAndGet();
        byKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    void removed(PoolKey key) {
        total.decrementAndGet();
        byKey.get(key).decrementAndGet();
    }

    /**
     * Counts one idle connection of {@code key} as removed if {@code key} has more than {@code reserve}
     * idle; true if so, and the caller must then close one of that key's idle connections.
     */
    boolean takeExcess(PoolKey key, int reserve) {
        AtomicInteger count = byKey.get(key);
        if (count == null) {
            return false;
        }
        while (true) {
            int current = count.get();
            if (current <= reserve) {
                return false;
            }
            if (count.compareAndSet(current, current - 1)) {
                total.decrementAndGet();
                return true;
            }
        }
    }
}

package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.netty.channel.EventLoop;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool's idle connections, kept per event loop (a connection belongs to the loop it was opened
 * on, and so does the session that borrows it). Each loop's stacks are touched only on that loop;
 * the methods that act on every loop hand the work to each loop.
 */
final class IdleConnections {

    private final Duration idleTimeout;
    private final Map<EventLoop, LoopIdleConnections> byLoop = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    IdleConnections(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    /** Idle connections on every loop. */
    int count() {
        return count.get();
    }

    /** See {@link LoopIdleConnections#take}; must be called on {@code loop}. */
    BackendConnection take(EventLoop loop, PoolKey key, String schema, boolean anySchema) {
        return on(loop).take(key, schema, anySchema);
    }

    /** Keeps a clean connection; must be called on {@code loop}, the connection's own. */
    void put(EventLoop loop, PoolKey key, BackendConnection connection) {
        on(loop).put(key, connection);
    }

    /** Forgets a connection that closed, if it was idle; any thread. */
    void remove(EventLoop loop, BackendConnection connection) {
        on(loop).remove(connection);
    }

    /** Closes every idle connection and stops eviction, each loop on its own thread. */
    void closeAll() {
        for (LoopIdleConnections idle : byLoop.values()) {
            idle.loop().execute(idle::closeAll);
        }
    }

    /** Closes every idle connection now, each loop on its own thread; the pool goes on. */
    void closeIdle() {
        for (LoopIdleConnections idle : byLoop.values()) {
            idle.loop().execute(idle::closeIdle);
        }
    }

    /**
     * Closes one idle connection, the longest-idle one of the first loop that has any, to free its
     * slot: the pool is full, and a waiter cannot use what sits idle (another loop, another user,
     * another schema). Otherwise those would stay idle while borrowers time out.
     */
    void closeOneToFreeASlot() {
        for (LoopIdleConnections idle : byLoop.values()) {
            if (idle.size() > 0) {
                idle.loop().execute(idle::closeOldest);
                return;
            }
        }
    }

    private LoopIdleConnections on(EventLoop loop) {
        return byLoop.computeIfAbsent(loop, l -> new LoopIdleConnections(l, idleTimeout, count));
    }
}

package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A pool's idle connections, kept per event loop (a connection belongs to the loop it was opened
 * on, and so does the session that borrows it). Each loop's stacks are touched only on that loop;
 * the methods that act on every loop hand the work to each loop.
 */
final class IdleConnections {

    private final PoolSettings settings;
    private final Map<EventLoop, LoopIdleConnections> byLoop = new ConcurrentHashMap<>();
    private final IdleCounts counts = new IdleCounts();

    IdleConnections(PoolSettings settings) {
        this.settings = settings;
    }

    /** Idle connections on every loop. */
    int count() {
        return counts.total();
    }

    /** Idle connections of {@code key} on every loop. */
    int count(PoolKey key) {
        return counts.of(key);
    }

    /** See {@link LoopIdleConnections#take}; must be called on {@code loop}. */
    BackendConnection take(EventLoop loop, PoolKey key, String schema, boolean anySchema, IdlePreference preference) {
        return on(loop).take(key, schema, anySchema, preference);
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

    /** Closes {@code user}'s idle connections that logged in before {@code before}, each loop on its own thread. */
    void closeUser(String user, long before) {
        for (LoopIdleConnections idle : byLoop.values()) {
            idle.loop().execute(() -> idle.closeUser(user, before));
        }
    }

    /**
     * Closes one idle connection, the longest-idle one of the first loop that has any, to free its
     * slot: the pool is full, and a waiter cannot use what sits idle (another loop, another user,
     * another schema). Otherwise those would stay idle while borrowers time out.
     */
    void closeOneToFreeASlot() {
        closeOneToFreeASlot(loop -> true);
    }

    /** As {@link #closeOneToFreeASlot()}, of the first loop that has any and that {@code mayGiveUp} lets give one up. */
    void closeOneToFreeASlot(Predicate<EventLoop> mayGiveUp) {
        for (LoopIdleConnections idle : byLoop.values()) {
            if (idle.size() > 0 && mayGiveUp.test(idle.loop())) {
                idle.loop().execute(idle::closeOldest);
                return;
            }
        }
    }

    /**
     * Quits one idle connection, the longest-idle one of the first loop that has any, because the
     * server refused a new one (1040): the future tells {@code caller}'s loop, once the server has
     * hung up (or {@code wait} has passed), whether one was quit.
     */
    Future<Boolean> quitOneForTheServer(EventLoop caller, Duration wait) {
        Promise<Boolean> closed = caller.newPromise();
        for (LoopIdleConnections idle : byLoop.values()) {
            if (idle.size() > 0) {
                idle.loop().execute(() -> {
                    ChannelFuture close = idle.quitOldest(wait);
                    if (close == null) {
                        closed.setSuccess(false);
                    } else {
                        close.addListener(f -> closed.setSuccess(true));
                    }
                });
                return closed;
            }
        }
        return closed.setSuccess(false);
    }

    private LoopIdleConnections on(EventLoop loop) {
        return byLoop.computeIfAbsent(loop, l -> new LoopIdleConnections(l, settings, counts));
    }
}

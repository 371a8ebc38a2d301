package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One event loop's idle connections: a stack per {@link PoolKey}, oldest first, newest last.
 * Touched only on that loop; only the counts are read from other threads. Connections idle
 * longer than the idle timeout are closed by a periodic eviction, started with the first one.
 */
final class LoopIdleConnections {

    private final EventLoop loop;
    private final Duration idleTimeout;
    /** Idle connections of the whole pool, shared by every loop's stacks. */
    private final AtomicInteger poolIdle;

    private final Map<PoolKey, ArrayDeque<IdleEntry>> byKey = new HashMap<>();
    /** Idle connections on this loop; read from other threads. */
    private final AtomicInteger size = new AtomicInteger();

    private ScheduledFuture<?> eviction;

    LoopIdleConnections(EventLoop loop, Duration idleTimeout, AtomicInteger poolIdle) {
        this.loop = loop;
        this.idleTimeout = idleTimeout;
        this.poolIdle = poolIdle;
    }

    EventLoop loop() {
        return loop;
    }

    int size() {
        return size.get();
    }

    /** The newest idle connection for {@code key} on {@code schema}, else (if allowed and a schema is wanted) any. */
    BackendConnection take(PoolKey key, String schema, boolean anySchema) {
        ArrayDeque<IdleEntry> idle = byKey.get(key);
        if (idle == null || idle.isEmpty()) {
            return null;
        }
        IdleEntry chosen = null;
        for (Iterator<IdleEntry> it = idle.descendingIterator(); it.hasNext(); ) {
            IdleEntry candidate = it.next();
            if (Objects.equals(candidate.connection.schema(), schema)) {
                chosen = candidate;
                break;
            }
        }
        // A session without a schema cannot "unselect" one, so it only takes schema-less connections.
        if (chosen == null && schema != null && anySchema) {
            chosen = idle.peekLast();
        }
        if (chosen == null) {
            return null;
        }
        idle.remove(chosen);
        uncount();
        return chosen.connection;
    }

    void put(PoolKey key, BackendConnection connection) {
        byKey.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(new IdleEntry(connection, System.nanoTime()));
        poolIdle.incrementAndGet();
        size.incrementAndGet();
        if (eviction == null) {
            long period = Math.max(TimeUnit.SECONDS.toNanos(1), idleTimeout.toNanos() / 4);
            eviction = loop.scheduleAtFixedRate(this::evict, period, period, TimeUnit.NANOSECONDS);
        }
    }

    /** Forgets {@code connection} if it is idle here (it closed); may be called from any thread. */
    void remove(BackendConnection connection) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> remove(connection));
            return;
        }
        for (ArrayDeque<IdleEntry> idle : byKey.values()) {
            if (idle.removeIf(entry -> entry.connection == connection)) {
                uncount();
                return;
            }
        }
    }

    private void evict() {
        long oldest = System.nanoTime() - idleTimeout.toNanos();
        for (ArrayDeque<IdleEntry> idle : byKey.values()) {
            while (!idle.isEmpty() && idle.peekFirst().since - oldest < 0) {
                IdleEntry entry = idle.pollFirst();
                uncount();
                entry.connection.close();
            }
        }
    }

    /** The pool is retired: every idle connection closes and eviction stops. */
    void closeAll() {
        closeIdle();
        if (eviction != null) {
            eviction.cancel(false);
        }
    }

    /** Closes the longest-idle connection of any key (its close frees a slot for a waiter). */
    /** Closes every idle connection; eviction goes on for the ones kept later. */
    void closeIdle() {
        for (ArrayDeque<IdleEntry> idle : byKey.values()) {
            for (IdleEntry entry : idle) {
                uncount();
                entry.connection.close();
            }
            idle.clear();
        }
    }

    void closeOldest() {
        ArrayDeque<IdleEntry> from = null;
        for (ArrayDeque<IdleEntry> idle : byKey.values()) {
            if (!idle.isEmpty() && (from == null || idle.peekFirst().since - from.peekFirst().since < 0)) {
                from = idle;
            }
        }
        if (from != null) {
            IdleEntry entry = from.pollFirst();
            uncount();
            entry.connection.close();
        }
    }

    private void uncount() {
        poolIdle.decrementAndGet();
        size.decrementAndGet();
    }

    private record IdleEntry(BackendConnection connection, long since) {}
}

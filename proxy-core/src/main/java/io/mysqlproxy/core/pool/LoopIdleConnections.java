package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One event loop's idle connections: a stack per {@link PoolKey}, oldest first, newest last.
 * Touched only on that loop; only the counts are read from other threads. A periodic eviction,
 * started with the first one, closes connections idle longer than the idle timeout, and those of a
 * key beyond its idle reserve ({@link PoolSettings#maxIdlePerKey}) once idle longer than the excess
 * idle timeout, so that the connections a login storm opened are given up within seconds.
 */
final class LoopIdleConnections {

    /** Idle connections of one key ranked per borrow, newest first. */
    static final int PREFERENCE_SCAN = 32;

    private final EventLoop loop;
    private final PoolSettings settings;
    /** Idle connections of the whole pool, shared by every loop's stacks. */
    private final IdleCounts poolIdle;

    private final Map<PoolKey, ArrayDeque<IdleEntry>> byKey = new HashMap<>();
    /** Idle connections on this loop; read from other threads. */
    private final AtomicInteger size = new AtomicInteger();

    private ScheduledFuture<?> eviction;

    LoopIdleConnections(EventLoop loop, PoolSettings settings, IdleCounts poolIdle) {
        this.loop = loop;
        this.settings = settings;
        this.poolIdle = poolIdle;
    }

    EventLoop loop() {
        return loop;
    }

    int size() {
        return size.get();
    }

    /**
     * An idle connection for {@code key}, newest first: the best by {@code preference}, and of equal rank
     * one on {@code schema}; one on another schema only if allowed ({@code anySchema}) and a schema is
     * wanted (a session without a schema cannot "unselect" one). The newest {@link #PREFERENCE_SCAN} are
     * ranked, so that a busy key costs a bounded scan per borrow.
     */
    BackendConnection take(PoolKey key, String schema, boolean anySchema, IdlePreference preference) {
        ArrayDeque<IdleEntry> idle = byKey.get(key);
        if (idle == null || idle.isEmpty()) {
            return null;
        }
        IdleEntry chosen = null;
        int best = Integer.MAX_VALUE;
        int scanned = 0;
        for (Iterator<IdleEntry> it = idle.descendingIterator(); it.hasNext() && best > 0; ) {
            IdleEntry candidate = it.next();
            boolean onSchema = candidate.connection.onSchema(schema);
            if (!onSchema && !(anySchema && schema != null)) {
                continue;
            }
            int score = preference.rank(candidate.connection) * 2 + (onSchema ? 0 : 1);
            if (score < best) {
                best = score;
                chosen = candidate;
            }
            if (++scanned == PREFERENCE_SCAN) {
                break;
            }
        }
        if (chosen == null) {
            return null;
        }
        idle.remove(chosen);
        uncount(key);
        return chosen.connection;
    }

    void put(PoolKey key, BackendConnection connection) {
        byKey.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(new IdleEntry(connection, System.nanoTime()));
        poolIdle.added(key);
        size.incrementAndGet();
        if (eviction == null) {
            Duration shortest = settings.idleTimeout().compareTo(settings.excessIdleTimeout()) < 0
                    ? settings.idleTimeout()
                    : settings.excessIdleTimeout();
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(250), shortest.toNanos() / 4);
            eviction = loop.scheduleAtFixedRate(this::evict, period, period, TimeUnit.NANOSECONDS);
        }
    }

    /** Forgets {@code connection} if it is idle here (it closed); may be called from any thread. */
    void remove(BackendConnection connection) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> remove(connection));
            return;
        }
        for (Map.Entry<PoolKey, ArrayDeque<IdleEntry>> idle : byKey.entrySet()) {
            if (idle.getValue().removeIf(entry -> entry.connection == connection)) {
                uncount(idle.getKey());
                return;
            }
        }
    }

    private void evict() {
        long now = System.nanoTime();
        long timedOut = now - settings.idleTimeout().toNanos();
        long excess = now - settings.excessIdleTimeout().toNanos();
        for (Map.Entry<PoolKey, ArrayDeque<IdleEntry>> byThisKey : byKey.entrySet()) {
            PoolKey key = byThisKey.getKey();
            ArrayDeque<IdleEntry> idle = byThisKey.getValue();
            while (!idle.isEmpty() && idle.peekFirst().since - timedOut < 0) {
                IdleEntry entry = idle.pollFirst();
                uncount(key);
                entry.connection.close();
            }
            // Oldest first: the newest stay as the reserve, warm for the next borrower.
            while (!idle.isEmpty()
                    && idle.peekFirst().since - excess < 0
                    && poolIdle.takeExcess(key, settings.maxIdlePerKey())) {
                size.decrementAndGet();
                idle.pollFirst().connection.close();
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

    /** Closes every idle connection; eviction goes on for the ones kept later. */
    void closeIdle() {
        for (Map.Entry<PoolKey, ArrayDeque<IdleEntry>> idle : byKey.entrySet()) {
            for (IdleEntry entry : idle.getValue()) {
                uncount(idle.getKey());
                entry.connection.close();
            }
            idle.getValue().clear();
        }
    }

    /** Closes every idle connection of {@code user}'s keys that logged in before {@code before} (nanoTime). */
    void closeUser(String user, long before) {
        for (Map.Entry<PoolKey, ArrayDeque<IdleEntry>> idle : byKey.entrySet()) {
            if (!idle.getKey().user().equals(user)) {
                continue;
            }
            for (Iterator<IdleEntry> it = idle.getValue().iterator(); it.hasNext(); ) {
                IdleEntry entry = it.next();
                if (entry.connection.loggedInAt() - before < 0) {
                    it.remove();
                    uncount(idle.getKey());
                    entry.connection.close();
                }
            }
        }
    }

    /** Closes the longest-idle connection of any key (its close frees a slot for a waiter). */
    void closeOldest() {
        IdleEntry entry = takeOldest();
        if (entry != null) {
            entry.connection.close();
        }
    }

    /**
     * Quits the longest-idle connection of any key to free a slot on the server ({@link
     * BackendConnection#quit}); the future of its close, or null if none is idle here.
     */
    ChannelFuture quitOldest(Duration wait) {
        IdleEntry entry = takeOldest();
        return entry == null ? null : entry.connection.quit(wait);
    }

    private IdleEntry takeOldest() {
        Map.Entry<PoolKey, ArrayDeque<IdleEntry>> from = null;
        for (Map.Entry<PoolKey, ArrayDeque<IdleEntry>> idle : byKey.entrySet()) {
            if (!idle.getValue().isEmpty()
                    && (from == null
                            || idle.getValue().peekFirst().since
                                            - from.getValue().peekFirst().since
                                    < 0)) {
                from = idle;
            }
        }
        if (from == null) {
            return null;
        }
        IdleEntry entry = from.getValue().pollFirst();
        uncount(from.getKey());
        return entry;
    }

    private void uncount(PoolKey key) {
        poolIdle.removed(key);
        size.decrementAndGet();
    }

    private record IdleEntry(BackendConnection connection, long since) {}
}

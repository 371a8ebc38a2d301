package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.netty.util.concurrent.Promise;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections a pool has lent, and each user's connections in use against its share
 * ({@link PoolSettings#maxPerUser}): lent, or being opened or awaited for one of its borrowers (a
 * waiter holds a claim). Idle connections count for no user.
 */
final class LentConnections {

    private final int maxPerUser;
    private final Map<String, AtomicInteger> inUseByUser = new ConcurrentHashMap<>();
    /** Each lent connection and the user count it is charged to. */
    private final Map<BackendConnection, AtomicInteger> lent = new ConcurrentHashMap<>();

    LentConnections(int maxPerUser) {
        this.maxPerUser = maxPerUser;
    }

    /** Connections lent now. */
    int count() {
        return lent.size();
    }

    int inUse(String user) {
        AtomicInteger count = inUseByUser.get(user);
        return count == null ? 0 : count.get();
    }

    /**
     * Claims one of {@code user}'s share for {@code borrow}, false if it is used up. The claim becomes the
     * lent connection's if the borrow succeeds, and is given back if it fails.
     */
    boolean claim(String user, Promise<BackendConnection> borrow) {
        AtomicInteger userInUse = inUseByUser.computeIfAbsent(user, u -> new AtomicInteger());
        if (!reserve(userInUse, maxPerUser)) {
            return false;
        }
        borrow.addListener(f -> {
            if (f.isSuccess()) {
                lent.put((BackendConnection) f.getNow(), userInUse);
            } else {
                userInUse.decrementAndGet();
            }
        });
        return true;
    }

    /** A lent connection is back (or gone): its user's share has room again. Once per borrow. */
    void unlend(BackendConnection connection) {
        AtomicInteger userInUse = lent.remove(connection);
        if (userInUse != null) {
            userInUse.decrementAndGet();
        }
    }

    /** Takes one of {@code max} units of {@code count}; false when all are taken. */
    static boolean reserve(AtomicInteger count, int max) {
        while (true) {
            int current = count.get();
            if (current >= max) {
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }
}

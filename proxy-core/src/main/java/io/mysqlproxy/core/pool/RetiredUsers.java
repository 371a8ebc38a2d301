package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Users whose account changed on the servers (dropped, locked, another password), and when: their
 * connections logged in before that are stale and never handed out again. Thread-safe.
 */
final class RetiredUsers {

    /** Per user, when (nanoTime) its account last changed. */
    private final Map<String, Long> retiredAt = new ConcurrentHashMap<>();

    /** Records that {@code user}'s account changed now; returns now (nanoTime). */
    long retire(String user) {
        long now = System.nanoTime();
        retiredAt.put(user, now);
        return now;
    }

    /** Logged in before its user's account last changed on the servers. */
    boolean stale(BackendConnection connection) {
        Long at = retiredAt.get(connection.login().user());
        return at != null && connection.loggedInAt() - at < 0;
    }
}

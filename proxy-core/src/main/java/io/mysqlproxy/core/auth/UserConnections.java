package io.mysqlproxy.core.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Concurrent client sessions per user, for {@code users[].max-connections} (MySQL's
 * MAX_USER_CONNECTIONS). Only authenticated users are counted, so the map is bounded by the
 * configured users; a user's entry goes when its last session ends.
 */
public final class UserConnections {

    private final Map<String, Integer> open = new ConcurrentHashMap<>();

    /** Counts a new session of {@code user} unless it already has {@code limit} (0: no limit); false when refused. */
    public boolean tryOpen(String user, int limit) {
        boolean[] opened = {false};
        open.compute(user, (name, count) -> {
            int now = count == null ? 0 : count;
            if (limit > 0 && now >= limit) {
                return count;
            }
            opened[0] = true;
            return now + 1;
        });
        return opened[0];
    }

    /** A session counted by {@link #tryOpen} ended. */
    public void closed(String user) {
        open.computeIfPresent(user, (name, count) -> count <= 1 ? null : count - 1);
    }

    /** Sessions of {@code user} open now. */
    public int open(String user) {
        return open.getOrDefault(user, 0);
    }
}

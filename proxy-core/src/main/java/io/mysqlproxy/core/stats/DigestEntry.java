package io.mysqlproxy.core.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One digest: its normalised text and, per role that served it, its counters (created on first use).
 * Sessions may keep an entry between statements; once evicted or reset it is {@link #retired()} and
 * they look the digest up again.
 */
public final class DigestEntry {

    private final long digest;
    private final String text;
    private final AtomicReferenceArray<RoleCounters> roles = new AtomicReferenceArray<>(QueryRole.values().length);
    private volatile long lastSeen;
    private volatile boolean retired;

    DigestEntry(long digest, String text, long nowMillis) {
        this.digest = digest;
        this.text = text;
        this.lastSeen = nowMillis;
    }

    public long digest() {
        return digest;
    }

    public String text() {
        return text;
    }

    /** One statement of this digest served by {@code role}: its latency, the rows it sent, whether it failed. */
    public void record(QueryRole role, long nanos, long rowsSent, boolean failed) {
        long now = System.currentTimeMillis();
        lastSeen = now;
        counters(role).record(nanos / 1000, rowsSent, failed, now);
    }

    long lastSeen() {
        return lastSeen;
    }

    /** Whether the entry was evicted or reset: it no longer counts, so a holder must look the digest up again. */
    public boolean retired() {
        return retired;
    }

    void retire() {
        retired = true;
    }

    RoleCounters counters(QueryRole role) {
        RoleCounters counters = roles.get(role.ordinal());
        if (counters == null) {
            roles.compareAndSet(role.ordinal(), null, new RoleCounters());
            counters = roles.get(role.ordinal());
        }
        return counters;
    }

    /** The counters of the roles that served it, or null entries. */
    RoleCounters existing(QueryRole role) {
        return roles.get(role.ordinal());
    }

    List<QueryStatsRow> rows() {
        List<QueryStatsRow> rows = new ArrayList<>(2);
        for (int i = 0; i < roles.length(); i++) {
            RoleCounters counters = roles.get(i);
            if (counters != null) {
                rows.add(counters.row(digest, text, QueryRole.at(i)));
            }
        }
        return rows;
    }
}

package io.mysqlproxy.core.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-digest statement statistics for the whole proxy, bounded at {@code maxDigests}: when a new digest
 * would exceed it, the least recently seen tenth is evicted in one pass (so a stream of new digests costs
 * one scan per tenth of the bound, not one per statement) and counted in {@link #evictions()}.
 *
 * <p>Thread-safe. The event loops look digests up in a concurrent map (sessions keep the entries of their
 * recent statements in a {@link DigestLookup}, so a repeated statement skips even that) and record into
 * per-role counters; only the normalised text is stored, never a literal value.
 */
public final class QueryStats {

    private final boolean enabled;
    private final int maxDigests;
    private final ConcurrentHashMap<Long, DigestEntry> digests = new ConcurrentHashMap<>();
    private final AtomicLong evictions = new AtomicLong();
    private final ReentrantLock evicting = new ReentrantLock();

    public QueryStats(boolean enabled, int maxDigests) {
        if (maxDigests < 1) {
            throw new IllegalArgumentException("maxDigests must be at least 1: " + maxDigests);
        }
        this.enabled = enabled;
        this.maxDigests = maxDigests;
    }

    /** Whether statements are recorded at all ({@code stats.queries}). */
    public boolean enabled() {
        return enabled;
    }

    public int maxDigests() {
        return maxDigests;
    }

    /** The entry of {@code digest}, or null when it has none (yet, or any more). */
    public DigestEntry find(long digest) {
        return digests.get(digest);
    }

    /** The entry of {@code digest}, added with {@code text} (its normalised text) if it has none. */
    public DigestEntry add(long digest, String text) {
        DigestEntry entry = digests.computeIfAbsent(digest, d -> new DigestEntry(d, text, System.currentTimeMillis()));
        if (digests.size() > maxDigests) {
            evict();
        }
        return entry;
    }

    /** Digests currently counted. */
    public int size() {
        return digests.size();
    }

    /** Digests evicted (least recently seen first) to stay within the bound, since the start. */
    public long evictions() {
        return evictions.get();
    }

    /** PROXY RESET QUERIES: forgets every digest; sessions holding an entry see it retired. */
    public void reset() {
        for (DigestEntry entry : digests.values()) {
            if (digests.remove(entry.digest(), entry)) {
                entry.retire();
            }
        }
    }

    /** Every (digest, role) row, sorted by {@code order}, at most {@code limit}. */
    public List<QueryStatsRow> rows(QueryOrder order, boolean descending, int limit) {
        List<QueryStatsRow> rows = new ArrayList<>();
        for (DigestEntry entry : digests.values()) {
            rows.addAll(entry.rows());
        }
        Comparator<QueryStatsRow> comparator = order.comparator();
        rows.sort(descending ? comparator.reversed() : comparator);
        return rows.size() > limit ? List.copyOf(rows.subList(0, limit)) : rows;
    }

    private void evict() {
        if (!evicting.tryLock()) {
            return; // another thread is at it; the bound is exceeded by a few entries at most meanwhile
        }
        try {
            int excess = digests.size() - maxDigests;
            if (excess <= 0) {
                return;
            }
            int toEvict = Math.min(digests.size(), excess + Math.max(1, maxDigests / 10) - 1);
            List<DigestEntry> entries = new ArrayList<>(digests.values());
            entries.sort(Comparator.comparingLong(DigestEntry::lastSeen));
            for (DigestEntry entry : entries.subList(0, Math.min(toEvict, entries.size()))) {
                if (digests.remove(entry.digest(), entry)) {
                    entry.retire();
                    evictions.incrementAndGet();
                }
            }
        } finally {
            evicting.unlock();
        }
    }
}

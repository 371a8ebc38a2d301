package io.mysqlproxy.core.stats;

import io.mysqlproxy.core.classify.StatementDigest;

/**
 * One session's way to the entry of a digest: a small direct-mapped cache of the entries of its recent
 * statements in front of {@link QueryStats}, so a statement the session ran before (an application repeats
 * a handful) costs neither a map lookup nor a boxed key; the text of a digest never seen is built here.
 * Confined to the session's event loop.
 */
public final class DigestLookup {

    private static final int SLOTS = 16;

    private final QueryStats stats;
    private final DigestEntry[] recent = new DigestEntry[SLOTS];

    public DigestLookup(QueryStats stats) {
        this.stats = stats;
    }

    public boolean enabled() {
        return stats.enabled();
    }

    /** The entry of {@code digest}, the digest of {@code sql[offset, offset + length)}. */
    public DigestEntry entry(long digest, byte[] sql, int offset, int length) {
        int slot = (int) (digest ^ (digest >>> 32)) & (SLOTS - 1);
        DigestEntry entry = recent[slot];
        if (entry != null && entry.digest() == digest && !entry.retired()) {
            return entry;
        }
        entry = stats.find(digest);
        if (entry == null) {
            entry = stats.add(digest, StatementDigest.text(sql, offset, length));
        }
        recent[slot] = entry;
        return entry;
    }
}

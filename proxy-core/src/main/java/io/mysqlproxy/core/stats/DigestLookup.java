package io.mysqlproxy.core.stats;

import io.mysqlproxy.core.classify.StatementDigest;

/**
 * One session's way to the entry of a digest: a small direct-mapped cache of the entries of its recent
 * statements in front of {@link QueryStats}, so a statement the session ran before (an application repeats
 * a handful) costs no map lookup; the text of a digest never seen is built here. Confined to the session's
 * event loop.
 *
 * <p>A slot keeps its entry only while it is live: each lookup drops a retired (evicted or reset) entry from
 * its own slot and from one other slot in turn, so a session that keeps running statements holds no retired
 * entry after {@value #SLOTS} of them. A session idle since an eviction still holds at most {@value #SLOTS}
 * retired entries (each at most {@code DigestScanner.MAX_TEXT} characters of text and its counters) until
 * it runs statements again or ends.
 */
public final class DigestLookup {

    static final int SLOTS = 16;

    private final QueryStats stats;
    private final DigestEntry[] recent = new DigestEntry[SLOTS];
    /** The slot the next lookup checks for a retired entry besides its own. */
    private int sweep;

    public DigestLookup(QueryStats stats) {
        this.stats = stats;
    }

    public boolean enabled() {
        return stats.enabled();
    }

    /** The entry of {@code digest}, the digest of {@code sql[offset, offset + length)}. */
    public DigestEntry entry(long digest, byte[] sql, int offset, int length) {
        return entry(digest, sql, offset, length, false);
    }

    /** As {@link #entry(long, byte[], int, int)}, for a text read as under NO_BACKSLASH_ESCAPES when so. */
    public DigestEntry entry(long digest, byte[] sql, int offset, int length, boolean noBackslashEscapes) {
        dropIfRetired(sweep);
        sweep = (sweep + 1) & (SLOTS - 1);
        int slot = (int) (digest ^ (digest >>> 32)) & (SLOTS - 1);
        DigestEntry entry = recent[slot];
        if (entry != null && entry.digest() == digest && !entry.retired()) {
            return entry;
        }
        recent[slot] = null;
        entry = stats.find(digest);
        if (entry == null) {
            String text = digest == StatementDigest.MALFORMED
                    ? StatementDigest.MALFORMED_TEXT
                    : StatementDigest.text(sql, offset, length, noBackslashEscapes);
            entry = stats.add(digest, text);
        }
        if (!entry.retired()) {
            recent[slot] = entry;
        }
        return entry;
    }

    private void dropIfRetired(int slot) {
        DigestEntry entry = recent[slot];
        if (entry != null && entry.retired()) {
            recent[slot] = null;
        }
    }

    /** The entries the slots hold now, for tests. */
    int held() {
        int held = 0;
        for (DigestEntry entry : recent) {
            held += entry == null ? 0 : 1;
        }
        return held;
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.StatementDigest;
import io.mysqlproxy.core.stats.DigestEntry;
import io.mysqlproxy.core.stats.DigestLookup;
import io.mysqlproxy.core.stats.QueryRole;
import io.mysqlproxy.core.stats.QueryStats;

/**
 * The session's side of the query statistics: the slot the classifier puts each text's digest in, and the
 * way from a digest to its {@link DigestEntry}, which the command then carries until its response is
 * complete ({@link ClientExchange}). With {@code stats.queries = off} there is no slot, so the classifier
 * computes no digest, and no entry.
 */
final class StatementStatistics {

    private final DigestLookup lookup;
    private final StatementDigest slot;

    StatementStatistics(QueryStats stats) {
        this.lookup = new DigestLookup(stats);
        this.slot = stats.enabled() ? new StatementDigest() : null;
    }

    /** Where the classifier puts the digest of the text it reads, or null when statistics are off. */
    StatementDigest slot() {
        return slot;
    }

    /** The entry of the text just classified into {@link #slot()}, {@code sql[offset, offset + length)}; null when off. */
    DigestEntry classified(byte[] sql, int offset, int length) {
        return slot == null ? null : lookup.entry(slot.value(), sql, offset, length);
    }

    /** The entry of a prepared statement's text, for each of its executions; null when off. */
    DigestEntry prepared(PreparedStatement statement) {
        if (slot == null) {
            return null;
        }
        byte[] sql = statement.sql();
        return lookup.entry(statement.digest(), sql, 0, sql.length);
    }

    /** A statement the proxy answered itself, which took from {@code startNanos} until now. */
    static void answeredByProxy(DigestEntry entry, long startNanos) {
        if (entry != null) {
            entry.record(QueryRole.PROXY, System.nanoTime() - startNanos, 0, false);
        }
    }
}

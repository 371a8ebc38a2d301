package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;

/**
 * Which idle connection a borrower would rather have, as a rank (lower is better; 0: take it at once).
 * The borrower knows what it can use as it is; the pool only compares ranks, knowing nothing of sessions.
 */
@FunctionalInterface
public interface IdlePreference {

    /** Clean connections (fresh or reset) before those another session gave back without a reset. */
    IdlePreference CLEAN_FIRST = connection -> connection.imprint() == null ? 0 : 1;

    int rank(BackendConnection connection);
}

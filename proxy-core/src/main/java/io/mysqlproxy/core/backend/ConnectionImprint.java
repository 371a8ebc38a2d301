package io.mysqlproxy.core.backend;

import java.util.List;

/**
 * What a connection given back without a reset still carries of the session that used it last, beyond
 * what {@link BackendConnection} tracks itself (schema, collation): who that was ({@code owner}, an
 * opaque token the pool only compares), the SET statements it ran in order, the value LAST_INSERT_ID()
 * returns on it, the server ids of the prepared statements left on it that its {@link PreparedStatementCache}
 * does not keep (the next borrower closes them), and the owner's own notes
 * ({@code ownerState}, opaque here) for taking the connection up again with nothing to do.
 */
public record ConnectionImprint(
        Object owner, List<byte[]> sets, long lastInsertId, int[] preparedIds, Object ownerState) {

    public ConnectionImprint {
        sets = List.copyOf(sets);
        preparedIds = preparedIds.clone();
    }

    @Override
    public int[] preparedIds() {
        return preparedIds.clone();
    }
}

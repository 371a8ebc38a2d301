package io.mysqlproxy.core.backend;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a server statement's meaning rests on beyond its own text: the schema its unqualified names were
 * resolved in, the collation its literals were read with, and the SETs run before it was prepared. Two
 * sessions may share one server statement only under equal keys. Compared by content.
 */
public final class StatementKey {

    private final byte[] sql;
    private final String schema;
    private final int collation;
    private final SessionSets sets;
    private final int hash;

    /** {@code sql} is kept, not copied: a prepared statement's text, which nobody changes. */
    public StatementKey(byte[] sql, String schema, int collation, SessionSets sets) {
        this(sql, Arrays.hashCode(sql), schema, collation, sets);
    }

    /** As above, {@code sqlHash} being {@code Arrays.hashCode(sql)}, which the statement computed once. */
    public StatementKey(byte[] sql, int sqlHash, String schema, int collation, SessionSets sets) {
        this.sql = Objects.requireNonNull(sql);
        this.schema = schema;
        this.collation = collation;
        this.sets = Objects.requireNonNull(sets);
        this.hash = ((sqlHash * 31 + Objects.hashCode(schema)) * 31 + collation) * 31 + sets.hashCode();
    }

    /** Bytes of the statement's text. */
    public int sqlLength() {
        return sql.length;
    }

    @Override
    public boolean equals(Object other) {
        return other == this
                || other instanceof StatementKey that
                        && hash == that.hash
                        && collation == that.collation
                        && Objects.equals(schema, that.schema)
                        && Arrays.equals(sql, that.sql)
                        && sets.equals(that.sets);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "statement of " + sql.length + " bytes on schema " + schema + ", collation " + collation + ", " + sets;
    }
}

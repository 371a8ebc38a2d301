package io.mysqlproxy.core.backend;

import java.util.Arrays;
import java.util.List;

/**
 * The SET statements a connection has run for the session using it, oldest first, as a value compared by
 * content: what a statement's parse may depend on beyond the schema and the collation (a statement prepared
 * under {@code SET sql_mode = 'ANSI_QUOTES'} reads {@code "x"} as a column, not a string). Immutable.
 */
public final class SessionSets {

    /** No SET run: a fresh or reset connection. */
    public static final SessionSets NONE = new SessionSets(new byte[0][]);

    private final byte[][] statements;
    private final int hash;

    private SessionSets(byte[][] statements) {
        this.statements = statements;
        this.hash = Arrays.deepHashCode(statements);
    }

    /** The statements of {@code sets}, copied. */
    public static SessionSets of(List<byte[]> sets) {
        if (sets.isEmpty()) {
            return NONE;
        }
        byte[][] copy = new byte[sets.size()][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = sets.get(i).clone();
        }
        return new SessionSets(copy);
    }

    public int size() {
        return statements.length;
    }

    @Override
    public boolean equals(Object other) {
        return other == this
                || other instanceof SessionSets that
                        && hash == that.hash
                        && Arrays.deepEquals(statements, that.statements);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return statements.length + " SET statements";
    }
}

package io.mysqlproxy.core.classify;

import java.util.EnumSet;
import java.util.Set;

/**
 * Refinements of a {@link StatementKind}. A {@link Classification} carries them as an int bit set;
 * {@link #primaryRequired()} marks the reasons a read cannot go to a replica.
 */
public enum StatementFlag {
    /** FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE: takes row locks that only the primary can hold. */
    LOCKING_READ(true),
    /** SELECT ... INTO @var / OUTFILE / DUMPFILE: writes a variable or a file. */
    SELECT_INTO(true),
    /** GET_LOCK, RELEASE_LOCK, RELEASE_ALL_LOCKS, IS_USED_LOCK, IS_FREE_LOCK: user locks live on one server. */
    LOCK_FUNCTION(true),
    /** NEXTVAL, LASTVAL, SETVAL, NEXT VALUE FOR, PREVIOUS VALUE FOR: sequences advance on the primary. */
    SEQUENCE_FUNCTION(true),
    /**
     * LAST_INSERT_ID, @@last_insert_id, @@identity: read the value an earlier write left on this connection
     * (on the primary).
     */
    SESSION_FUNCTION(true),
    /**
     * FOUND_ROWS, ROW_COUNT, @@warning_count, @@error_count: describe the previous statement, so they must
     * run where it ran.
     */
    PREVIOUS_RESULT_FUNCTION(true),
    /** {@code @var := expr} inside a query. */
    USER_VARIABLE_ASSIGNMENT(true),
    /** SHOW WARNINGS / ERRORS, GET DIAGNOSTICS: describe the previous statement, so they run where it ran. */
    DIAGNOSTICS(true),
    /** An unterminated string, identifier or comment: the server will reject it, the primary can say so. */
    MALFORMED(true),
    /**
     * The statement goes on past its first 16 MiB frame, and only that frame was classified: what
     * follows (a FOR UPDATE, another statement) is unseen, so only the primary is safe.
     */
    TRUNCATED(true),
    /** In a MULTI: at least one part is not a replica-safe read. */
    MULTI_NON_READ(true),
    /** In a MULTI: at least one part changes session or transaction state. */
    MULTI_SESSION_STATE(false),
    /** In a MULTI: a part is one of the proxy's admin statements, which must be sent alone. */
    MULTI_PROXY_ADMIN(false),
    /** In a MULTI: a part is a KILL, which names proxy connection ids that only the proxy can map. */
    MULTI_KILL(false),
    /** SET autocommit to 1 / ON / TRUE. */
    AUTOCOMMIT_ON(false),
    /** SET autocommit to 0 / OFF / FALSE. */
    AUTOCOMMIT_OFF(false),
    /** SET @user_var = ... */
    USER_VARIABLE(false),
    /** SET of a session system variable other than autocommit. */
    SESSION_VARIABLE(false),
    /** SET NAMES, SET CHARACTER SET, SET CHARSET. */
    CHARSET(false),
    /** SET GLOBAL / PERSIST / PERSIST_ONLY: server-wide, never replayed on other connections. */
    GLOBAL_VARIABLE(false),
    /** START TRANSACTION WITH CONSISTENT SNAPSHOT. */
    CONSISTENT_SNAPSHOT(false),
    /** COMMIT / ROLLBACK AND CHAIN: a new transaction starts immediately. */
    CHAIN(false),
    /** COMMIT / ROLLBACK RELEASE: the server closes the connection afterwards. */
    RELEASE(false),
    /**
     * The text names CONNECTION_ID or PSEUDO_THREAD_ID somewhere: it may read the connection id, which the
     * session answers with the proxy's own (see {@link ConnectionIdRewrite}) before the statement goes out.
     */
    CONNECTION_ID(false),
    /**
     * SELECT SQL_CALC_FOUND_ROWS: the server counts the rows a LIMIT left out for the next statement's
     * FOUND_ROWS(), so under transaction multiplexing the session keeps the connection one statement longer.
     */
    CALC_FOUND_ROWS(false);

    /** The union of the flags whose {@link #primaryRequired()} is true. */
    public static final int PRIMARY_REQUIRED_MASK;

    static {
        int mask = 0;
        for (StatementFlag flag : values()) {
            if (flag.primaryRequired) {
                mask |= flag.bit;
            }
        }
        PRIMARY_REQUIRED_MASK = mask;
    }

    private final int bit;
    private final boolean primaryRequired;

    StatementFlag(boolean primaryRequired) {
        this.bit = 1 << ordinal();
        this.primaryRequired = primaryRequired;
    }

    /** This flag's bit in {@link Classification#flags()}. */
    public int bit() {
        return bit;
    }

    /** Whether a read carrying this flag must run on the primary. */
    public boolean primaryRequired() {
        return primaryRequired;
    }

    /** The flags set in {@code bits}, for logs, tests and EXPLAIN ROUTE (allocates). */
    public static Set<StatementFlag> decode(int bits) {
        Set<StatementFlag> set = EnumSet.noneOf(StatementFlag.class);
        for (StatementFlag flag : values()) {
            if ((bits & flag.bit) != 0) {
                set.add(flag);
            }
        }
        return set;
    }
}

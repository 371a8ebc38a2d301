package io.mysqlproxy.core.classify;

import java.nio.charset.StandardCharsets;

/**
 * The words the classifier looks at, as upper-case ASCII bytes, with a lookup that compares a token's
 * bytes case-insensitively without creating a String. Any other word is simply not a keyword here.
 */
enum Keyword {
    // statement starts
    SELECT,
    SHOW,
    DESCRIBE,
    DESC,
    EXPLAIN,
    WITH,
    TABLE,
    VALUES,
    DO,
    HELP,
    CHECKSUM,
    GET,
    INSERT,
    REPLACE,
    UPDATE,
    DELETE,
    LOAD,
    HANDLER,
    KILL,
    FLUSH,
    RESET,
    PURGE,
    CHANGE,
    STOP,
    START,
    OPTIMIZE,
    REPAIR,
    ANALYZE,
    CHECK,
    INSTALL,
    UNINSTALL,
    BINLOG,
    CACHE,
    SHUTDOWN,
    RESTART,
    CLONE,
    CREATE,
    ALTER,
    DROP,
    RENAME,
    TRUNCATE,
    GRANT,
    REVOKE,
    IMPORT,
    CALL,
    BEGIN,
    COMMIT,
    ROLLBACK,
    SAVEPOINT,
    RELEASE,
    XA,
    SET,
    USE,
    LOCK,
    UNLOCK,
    PREPARE,
    EXECUTE,
    DEALLOCATE,
    // words inside statements
    RECURSIVE,
    TABLES,
    WORK,
    NOT,
    TRANSACTION,
    READ,
    ONLY,
    CONSISTENT,
    AND,
    NO,
    CHAIN,
    TO,
    AUTOCOMMIT,
    GLOBAL,
    SESSION,
    LOCAL,
    PERSIST,
    PERSIST_ONLY,
    NAMES,
    CHARACTER,
    CHARSET,
    PASSWORD,
    // words that carry a password (SecretStatement)
    IDENTIFIED,
    MASTER_PASSWORD,
    SOURCE_PASSWORD,
    DEFAULT,
    ROLE,
    STATEMENT,
    FOR,
    ON,
    OFF,
    TRUE,
    FALSE,
    IN,
    SHARE,
    INTO,
    NEXT,
    PREVIOUS,
    VALUE,
    TEMPORARY,
    PROCEDURE,
    FUNCTION,
    TRIGGER,
    EVENT,
    VIEW,
    INDEX,
    DATABASE,
    SCHEMA,
    USER,
    SEQUENCE,
    EXPORT,
    FORMAT,
    EXTENDED,
    PARTITIONS,
    WARNINGS,
    ERRORS,
    COUNT,
    DIAGNOSTICS,
    CURRENT,
    STACKED,
    NO_WRITE_TO_BINLOG,
    FULL,
    PROCESSLIST,
    // the proxy's own admin statements: SHOW PROXY ..., EXPLAIN ROUTE ...
    PROXY,
    ROUTE,
    // functions that pin a read to the primary when called
    GET_LOCK,
    RELEASE_LOCK,
    RELEASE_ALL_LOCKS,
    IS_USED_LOCK,
    IS_FREE_LOCK,
    LAST_INSERT_ID,
    FOUND_ROWS,
    ROW_COUNT,
    NEXTVAL,
    LASTVAL,
    SETVAL,
    // system variables (besides LAST_INSERT_ID) that read what earlier statements left on the connection
    IDENTITY,
    WARNING_COUNT,
    ERROR_COUNT,
    // a select option that leaves FOUND_ROWS() for the next statement to read (held under multiplexing)
    SQL_CALC_FOUND_ROWS,
    // the connection id, which the proxy answers with its own (see ConnectionIdRewrite)
    CONNECTION_ID,
    PSEUDO_THREAD_ID;

    /** ASCII upper-casing as a table: the lookup runs once per word of every statement. */
    private static final byte[] UPPER = new byte[256];

    /** The seed and step of {@link #hash}: 64-bit FNV-1a over upper-cased bytes. */
    static final long HASH_SEED = 0xcbf29ce484222325L;

    private static final long HASH_PRIME = 0x100000001b3L;
    /**
     * Keywords by word hash, open addressing: a word that is no keyword (most identifiers) costs one probe
     * and a comparison of hashes, not of bytes.
     */
    private static final Keyword[] SLOTS = new Keyword[1024];

    private static final long[] SLOT_HASHES = new long[SLOTS.length];

    static {
        for (int b = 0; b < 256; b++) {
            UPPER[b] = (byte) (b >= 'a' && b <= 'z' ? b - ('a' - 'A') : b);
        }
        for (Keyword keyword : values()) {
            long hash = hash(keyword.bytes, 0, keyword.bytes.length);
            int slot = slot(hash);
            while (SLOTS[slot] != null) {
                slot = (slot + 1) & (SLOTS.length - 1);
            }
            SLOTS[slot] = keyword;
            SLOT_HASHES[slot] = hash;
        }
    }

    private final byte[] bytes = name().getBytes(StandardCharsets.US_ASCII);

    /** The byte upper-cased if it is an ASCII letter. */
    static int upper(int b) {
        return UPPER[b & 0xFF];
    }

    /** One step of {@link #hash}, for a lexer that hashes a word while it reads it. */
    static long hashStep(long hash, int b) {
        return (hash ^ UPPER[b & 0xFF]) * HASH_PRIME;
    }

    /** The case-insensitive hash of {@code buf[start, end)} that {@link #find(byte[], int, int, long)} takes. */
    static long hash(byte[] buf, int start, int end) {
        long hash = HASH_SEED;
        for (int p = start; p < end; p++) {
            hash = hashStep(hash, buf[p]);
        }
        return hash;
    }

    private static int slot(long hash) {
        return (int) (hash ^ (hash >>> 32)) & (SLOTS.length - 1);
    }

    /** The keyword spelled by {@code buf[start, end)} in any letter case, or null. */
    static Keyword find(byte[] buf, int start, int end) {
        return find(buf, start, end, hash(buf, start, end));
    }

    /** As {@link #find(byte[], int, int)}, given the word's {@link #hash}. */
    static Keyword find(byte[] buf, int start, int end, long hash) {
        int length = end - start;
        for (int slot = slot(hash); SLOTS[slot] != null; slot = (slot + 1) & (SLOTS.length - 1)) {
            Keyword candidate = SLOTS[slot];
            if (SLOT_HASHES[slot] == hash && candidate.bytes.length == length && candidate.matches(buf, start)) {
                return candidate;
            }
        }
        return null;
    }

    /** Whether {@code buf[start, start + length())} spells this keyword; the caller checks the length. */
    boolean matches(byte[] buf, int start) {
        for (int i = 0; i < bytes.length; i++) {
            if (UPPER[buf[start + i] & 0xFF] != bytes[i]) {
                return false;
            }
        }
        return true;
    }
}

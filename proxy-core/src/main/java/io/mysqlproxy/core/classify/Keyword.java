package io.mysqlproxy.core.classify;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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
    // the connection id, which the proxy answers with its own (see ConnectionIdRewrite)
    CONNECTION_ID,
    PSEUDO_THREAD_ID;

    /** ASCII upper-casing as a table: the lookup runs once per word of every statement. */
    private static final byte[] UPPER = new byte[256];
    /** Keywords bucketed by length and first letter, so a word is compared with at most a few. */
    private static final Keyword[][] BY_LENGTH_AND_FIRST;

    private static final int LETTERS = 27;
    private static final int LONGEST;

    static {
        for (int b = 0; b < 256; b++) {
            UPPER[b] = (byte) (b >= 'a' && b <= 'z' ? b - ('a' - 'A') : b);
        }
        int longest = 0;
        for (Keyword keyword : values()) {
            longest = Math.max(longest, keyword.bytes.length);
        }
        LONGEST = longest;
        List<List<Keyword>> buckets = new ArrayList<>();
        for (int i = 0; i < (longest + 1) * LETTERS; i++) {
            buckets.add(new ArrayList<>());
        }
        for (Keyword keyword : values()) {
            buckets.get(bucket(keyword.bytes.length, keyword.bytes[0])).add(keyword);
        }
        BY_LENGTH_AND_FIRST = new Keyword[buckets.size()][];
        for (int i = 0; i < buckets.size(); i++) {
            BY_LENGTH_AND_FIRST[i] = buckets.get(i).toArray(new Keyword[0]);
        }
    }

    private static int bucket(int length, byte first) {
        int letter = UPPER[first & 0xFF] - 'A';
        return length * LETTERS + (letter >= 0 && letter < 26 ? letter : 26);
    }

    private final byte[] bytes = name().getBytes(StandardCharsets.US_ASCII);

    /** The keyword spelled by {@code buf[start, end)} in any letter case, or null. */
    static Keyword find(byte[] buf, int start, int end) {
        int length = end - start;
        if (length <= 0 || length > LONGEST) {
            return null;
        }
        for (Keyword candidate : BY_LENGTH_AND_FIRST[bucket(length, buf[start])]) {
            if (candidate.matches(buf, start)) {
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

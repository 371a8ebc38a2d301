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
    SELECT, SHOW, DESCRIBE, DESC, EXPLAIN, WITH, TABLE, VALUES, DO, HELP, CHECKSUM, GET,
    INSERT, REPLACE, UPDATE, DELETE, LOAD, HANDLER, KILL, FLUSH, RESET, PURGE, CHANGE, STOP, START,
    OPTIMIZE, REPAIR, ANALYZE, CHECK, INSTALL, UNINSTALL, BINLOG, CACHE, SHUTDOWN, RESTART, CLONE,
    CREATE, ALTER, DROP, RENAME, TRUNCATE, GRANT, REVOKE, IMPORT, CALL,
    BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, XA, SET, USE, LOCK, UNLOCK,
    PREPARE, EXECUTE, DEALLOCATE,
    // words inside statements
    RECURSIVE, TABLES, WORK, NOT, TRANSACTION, READ, ONLY, CONSISTENT, AND, NO, CHAIN, TO,
    AUTOCOMMIT, GLOBAL, SESSION, LOCAL, PERSIST, PERSIST_ONLY, NAMES, CHARACTER, CHARSET, PASSWORD,
    DEFAULT, ROLE, STATEMENT, FOR, ON, OFF, TRUE, FALSE, IN, SHARE, INTO, NEXT, PREVIOUS, VALUE,
    TEMPORARY, PROCEDURE, FUNCTION, TRIGGER, EVENT, VIEW, INDEX, DATABASE, SCHEMA, USER, SEQUENCE,
    EXPORT, FORMAT, EXTENDED, PARTITIONS, WARNINGS, ERRORS, COUNT, DIAGNOSTICS, CURRENT, STACKED,
    NO_WRITE_TO_BINLOG,
    // functions that pin a read to the primary when called
    GET_LOCK, RELEASE_LOCK, RELEASE_ALL_LOCKS, IS_USED_LOCK, IS_FREE_LOCK,
    LAST_INSERT_ID, FOUND_ROWS, ROW_COUNT, NEXTVAL, LASTVAL, SETVAL;

    private static final Keyword[][] BY_LENGTH;

    static {
        int longest = 0;
        for (Keyword keyword : values()) {
            longest = Math.max(longest, keyword.bytes.length);
        }
        List<List<Keyword>> buckets = new ArrayList<>();
        for (int i = 0; i <= longest; i++) {
            buckets.add(new ArrayList<>());
        }
        for (Keyword keyword : values()) {
            buckets.get(keyword.bytes.length).add(keyword);
        }
        BY_LENGTH = new Keyword[longest + 1][];
        for (int i = 0; i <= longest; i++) {
            BY_LENGTH[i] = buckets.get(i).toArray(new Keyword[0]);
        }
    }

    private final byte[] bytes = name().getBytes(StandardCharsets.US_ASCII);

    /** The keyword spelled by {@code buf[start, end)} in any letter case, or null. */
    static Keyword find(byte[] buf, int start, int end) {
        int length = end - start;
        if (length <= 0 || length >= BY_LENGTH.length) {
            return null;
        }
        for (Keyword candidate : BY_LENGTH[length]) {
            if (candidate.matches(buf, start)) {
                return candidate;
            }
        }
        return null;
    }

    /** Whether {@code buf[start, start + length())} spells this keyword; the caller checks the length. */
    boolean matches(byte[] buf, int start) {
        for (int i = 0; i < bytes.length; i++) {
            if (upper(buf[start + i]) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    private static int upper(byte b) {
        return b >= 'a' && b <= 'z' ? b - ('a' - 'A') : b;
    }
}

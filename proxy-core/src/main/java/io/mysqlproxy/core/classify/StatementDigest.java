package io.mysqlproxy.core.classify;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The digest of a statement text: a 64-bit identity shared by the statements that differ only in their
 * literal values, comments, whitespace and keyword case (see {@link DigestScanner} for the rules).
 *
 * <p>An instance is a caller's reusable slot that {@link StatementClassifier#classify(byte[], int, int,
 * StatementDigest)} fills in the same pass as the classification, without allocating. The normalised
 * text, which never holds a literal value, is built on demand by {@link #text}, a second pass meant
 * for the first time a digest is seen.
 */
public final class StatementDigest {

    private long value;

    /** The digest of the last statement classified into this slot. */
    public long value() {
        return value;
    }

    void set(long value) {
        this.value = value;
    }

    /** The digest of {@code sql[offset, offset + length)}, without classifying it. */
    public static long of(byte[] sql, int offset, int length) {
        return scan(sql, offset, length, false).finish();
    }

    /** The digest of {@code sql} encoded as UTF-8. */
    public static long of(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        return of(bytes, 0, bytes.length);
    }

    /** The normalised text of {@code sql[offset, offset + length)}, e.g. {@code SELECT `c` FROM `t` WHERE `id` = ?}. */
    public static String text(byte[] sql, int offset, int length) {
        DigestScanner scanner = scan(sql, offset, length, true);
        scanner.finish();
        return scanner.text();
    }

    public static String text(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        return text(bytes, 0, bytes.length);
    }

    /** A digest as 16 hex digits, as the admin statements and the metrics show it. */
    public static String hex(long digest) {
        String digits = Long.toHexString(digest);
        return "0".repeat(16 - digits.length()) + digits;
    }

    private static DigestScanner scan(byte[] sql, int offset, int length, boolean withText) {
        Objects.checkFromIndexSize(offset, length, sql.length);
        DigestScanner scanner = new DigestScanner();
        scanner.reset(withText);
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, offset, length, scanner);
        while (lx.next() != SqlLexer.EOF) {
            // every token goes to the scanner
        }
        lx.release();
        return scanner;
    }
}

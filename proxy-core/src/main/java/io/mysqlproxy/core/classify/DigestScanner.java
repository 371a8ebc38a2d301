package io.mysqlproxy.core.classify;

import java.nio.charset.StandardCharsets;

/**
 * Normalises a statement into its digest as the lexer reads it, close to MySQL's performance_schema
 * DIGEST_TEXT: literals become {@code ?}, a sign before a number where an expression starts goes with it,
 * a parenthesised list of literals becomes {@code (...)} (one literal: {@code (?)}) and a list of such
 * rows {@code (...) /* , ... * /}; comments, hints and whitespace are gone. Identifiers stay.
 *
 * <p>The reductions look back at most six tokens ({@code (...) , ( ?, -}), so only the last six wait in a small ring; older ones
 * are folded into a 64-bit hash (and, when text is wanted, appended to it). Words are hashed without
 * regard to letter case, so {@code select} and {@code SELECT} share a digest. Reused per thread by the
 * lexer; no allocation unless text is asked for ({@link #text()}).
 */
final class DigestScanner {

    static final int VALUE = 1;
    static final int VALUE_LIST = 2;
    static final int ROW_SINGLE = 3;
    static final int ROW_MULTI = 4;
    static final int ROW_SINGLE_LIST = 5;
    static final int ROW_MULTI_LIST = 6;
    private static final int OPEN = 7;
    private static final int CLOSE = 8;
    private static final int COMMA = 9;
    /** A {@code -} or {@code +} where an operand is expected: it goes with a number that follows. */
    private static final int SIGN = 10;
    /** An unquoted word: keyword or identifier. */
    private static final int WORD = 11;
    /** A quoted identifier or a variable: an operand. */
    private static final int OPERAND = 12;
    /** {@code @@}, which the name follows without a space. */
    private static final int SYSTEM_VARIABLE = 13;
    /** Any other punctuation or operator. */
    private static final int SYMBOL = 14;

    private static final int WINDOW = 6;
    private static final int RING = 8;
    private static final long MULTIPLIER = 0x9E3779B97F4A7C15L;
    /** Text beyond this many characters is cut (MySQL's default max_digest_length is 1024 bytes). */
    static final int MAX_TEXT = 1024;

    private final int[] kinds = new int[RING];
    private final long[] hashes = new long[RING];
    private final int[] starts = new int[RING];
    private final int[] ends = new int[RING];
    private int bottom;
    private int size;
    private long hash;
    private byte[] buf;
    private StringBuilder text;
    private int lastCommitted;
    /** The kind of the last token pushed (after reductions), and where a word's bytes are: what a sign follows. */
    private int lastKind;

    private int lastStart;
    private int lastEnd;

    /** Starts a digest; {@code withText} also builds its text (allocates). */
    void reset(boolean withText) {
        bottom = 0;
        size = 0;
        hash = 0;
        buf = null;
        lastCommitted = 0;
        lastKind = 0;
        text = withText ? new StringBuilder(64) : null;
    }

    /** The next token, as {@link SqlLexer} types it; {@code wordHash} is meaningful for words. */
    void token(int type, byte[] bytes, int start, int end, long wordHash) {
        buf = bytes;
        switch (type) {
            case SqlLexer.WORD -> {
                if (isNumber(bytes, start, end)) {
                    value();
                } else {
                    push(WORD, wordHash, start, end);
                }
            }
            case SqlLexer.STRING -> value();
            case SqlLexer.QUOTED_IDENTIFIER -> push(OPERAND, Keyword.hash(bytes, start + 1, end - 1), start, end);
            case SqlLexer.USER_VARIABLE -> push(OPERAND, Keyword.hash(bytes, start, end), start, end);
            case SqlLexer.SYSTEM_VARIABLE -> push(SYSTEM_VARIABLE, SYSTEM_VARIABLE, start, end);
            case SqlLexer.ASSIGN -> push(SYMBOL, ':', start, end);
            case SqlLexer.PUNCT -> punctuation(bytes[start], start, end);
            default -> {}
        }
    }

    private void punctuation(byte b, int start, int end) {
        switch (b) {
            case '(' -> push(OPEN, OPEN, start, end);
            case ',' -> push(COMMA, COMMA, start, end);
            case ')' -> close(start, end);
            case '-', '+' -> push(operandBefore() ? SYMBOL : SIGN, b, start, end);
            // A prepared statement's parameter marker: its executions count with the same text's literal runs.
            case '?' -> value();
            default -> push(SYMBOL, b, start, end);
        }
    }

    /** Whether the token before a {@code -} or {@code +} makes it a binary operator. */
    private boolean operandBefore() {
        return switch (lastKind) {
            case VALUE, VALUE_LIST, ROW_SINGLE, ROW_MULTI, ROW_SINGLE_LIST, ROW_MULTI_LIST, CLOSE, OPERAND -> true;
            case WORD -> !DigestKeywords.startsExpression(buf, lastStart, lastEnd);
            default -> false;
        };
    }

    private void value() {
        if (top() == SIGN) {
            size--;
        }
        if (top() == COMMA && (below() == VALUE || below() == VALUE_LIST)) {
            size -= 2;
            push(VALUE_LIST, VALUE_LIST, 0, 0);
        } else {
            push(VALUE, VALUE, 0, 0);
        }
    }

    private void close(int start, int end) {
        if (below() == OPEN && (top() == VALUE || top() == VALUE_LIST)) {
            int row = top() == VALUE ? ROW_SINGLE : ROW_MULTI;
            int list = row == ROW_SINGLE ? ROW_SINGLE_LIST : ROW_MULTI_LIST;
            size -= 2;
            if (top() == COMMA && (below() == row || below() == list)) {
                size -= 2;
                push(list, list, 0, 0);
            } else {
                push(row, row, 0, 0);
            }
        } else {
            push(CLOSE, CLOSE, start, end);
        }
    }

    private int top() {
        return size == 0 ? 0 : kinds[index(size - 1)];
    }

    private int below() {
        return size < 2 ? 0 : kinds[index(size - 2)];
    }

    private int index(int i) {
        return (bottom + i) & (RING - 1);
    }

    /**
     * Only literals, their lists and rows, {@code (}, {@code ,} and signs take part in reductions, and a
     * reduction only ever removes such tokens from the top: any other token is committed at once, with all
     * that waits below it, so the common words and operators never go through the ring.
     */
    private void push(int kind, long tokenHash, int start, int end) {
        lastKind = kind;
        lastStart = start;
        lastEnd = end;
        long hashed = kind == WORD || kind == OPERAND ? tokenHash : kind * 0x100L + tokenHash;
        if (kind >= CLOSE && kind != COMMA && kind != SIGN) {
            while (size > 0) {
                commitBottom();
            }
            commit(kind, hashed, start, end);
            return;
        }
        if (size == WINDOW) {
            commitBottom();
        }
        int i = index(size++);
        kinds[i] = kind;
        hashes[i] = hashed;
        starts[i] = start;
        ends[i] = end;
    }

    private void commitBottom() {
        int i = bottom;
        commit(kinds[i], hashes[i], starts[i], ends[i]);
        bottom = (bottom + 1) & (RING - 1);
        size--;
    }

    private void commit(int kind, long tokenHash, int start, int end) {
        long h = (hash ^ tokenHash) * MULTIPLIER;
        hash = h ^ (h >>> 29);
        if (text != null) {
            append(kind, start, end);
        }
        lastCommitted = kind;
    }

    /** The digest of the tokens so far: folds the waiting ones in. */
    long finish() {
        while (size > 0) {
            commitBottom();
        }
        long h = hash;
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /** The digest text, after {@link #finish()} of a scan with text. */
    String text() {
        return text.toString();
    }

    private void append(int kind, int start, int end) {
        if (text.length() >= MAX_TEXT) {
            return;
        }
        if (text.length() > 0 && lastCommitted != SYSTEM_VARIABLE) {
            text.append(' ');
        }
        switch (kind) {
            case VALUE -> text.append('?');
            case VALUE_LIST -> text.append("?, ...");
            case ROW_SINGLE -> text.append("(?)");
            case ROW_MULTI -> text.append("(...)");
            case ROW_SINGLE_LIST -> text.append("(?) /* , ... */");
            case ROW_MULTI_LIST -> text.append("(...) /* , ... */");
            case WORD -> DigestKeywords.appendWord(text, buf, start, end);
            default -> text.append(new String(buf, start, end - start, StandardCharsets.UTF_8));
        }
        if (text.length() > MAX_TEXT) {
            text.setLength(MAX_TEXT);
            text.append("...");
        }
    }

    /** A word starting with a digit that is a number: decimal with fraction and exponent, 0x hex, 0b bits. */
    static boolean isNumber(byte[] buf, int start, int end) {
        int first = buf[start];
        if (first < '0' || first > '9') {
            return false;
        }
        if (first == '0' && end - start > 2 && (buf[start + 1] | 0x20) == 'x') {
            return all(buf, start + 2, end, "0123456789abcdefABCDEF");
        }
        if (first == '0' && end - start > 2 && (buf[start + 1] | 0x20) == 'b') {
            return all(buf, start + 2, end, "01");
        }
        int p = start;
        while (p < end && buf[p] >= '0' && buf[p] <= '9') {
            p++;
        }
        if (p < end && buf[p] == '.') {
            p++;
            while (p < end && buf[p] >= '0' && buf[p] <= '9') {
                p++;
            }
        }
        if (p < end && (buf[p] | 0x20) == 'e') {
            p++;
            if (p < end && (buf[p] == '+' || buf[p] == '-')) {
                p++;
            }
            int digits = p;
            while (p < end && buf[p] >= '0' && buf[p] <= '9') {
                p++;
            }
            return p == end && p > digits;
        }
        return p == end;
    }

    private static boolean all(byte[] buf, int start, int end, String allowed) {
        for (int p = start; p < end; p++) {
            if (allowed.indexOf(buf[p]) < 0) {
                return false;
            }
        }
        return true;
    }
}

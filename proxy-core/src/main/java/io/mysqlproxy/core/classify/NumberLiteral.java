package io.mysqlproxy.core.classify;

/** Where a number that starts a word ends: its fraction and exponent ({@code 1.5e-3}) are part of it. */
final class NumberLiteral {

    private NumberLiteral() {}

    /** {@code buf[from, wordEnd)} is a word starting with a digit, in a text ending at {@code limit}. */
    static int end(byte[] buf, int from, int wordEnd, int limit) {
        int p = from;
        while (p < wordEnd && isDigit(buf[p])) {
            p++;
        }
        if (p == wordEnd) {
            if (p + 1 < limit && buf[p] == '.' && isDigit(buf[p + 1])) {
                p += 2;
                while (p < limit && isDigit(buf[p])) {
                    p++;
                }
            }
            return exponent(buf, p, p, limit);
        }
        // "1e" then "-5": the exponent's sign ended the word.
        return p + 1 == wordEnd ? exponent(buf, p, wordEnd, limit) : wordEnd;
    }

    private static int exponent(byte[] buf, int p, int otherwise, int limit) {
        if (p < limit && (buf[p] | 0x20) == 'e') {
            int q = p + 1;
            if (q < limit && (buf[q] == '+' || buf[q] == '-')) {
                q++;
            }
            if (q < limit && isDigit(buf[q])) {
                while (q < limit && isDigit(buf[q])) {
                    q++;
                }
                return q;
            }
        }
        return otherwise;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}

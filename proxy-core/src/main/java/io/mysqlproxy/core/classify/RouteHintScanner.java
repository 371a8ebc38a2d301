package io.mysqlproxy.core.classify;

/**
 * Finds the proxy's routing hint, {@code route = primary|replica} (any case, any spacing), in the text of a
 * comment the lexer skips.
 */
final class RouteHintScanner {

    private static final byte[] ROUTE = {'R', 'O', 'U', 'T', 'E'};
    private static final byte[] PRIMARY = {'P', 'R', 'I', 'M', 'A', 'R', 'Y'};
    private static final byte[] REPLICA = {'R', 'E', 'P', 'L', 'I', 'C', 'A'};

    private RouteHintScanner() {}

    /** {@link SqlLexer#HINT_PRIMARY} and/or {@link SqlLexer#HINT_REPLICA} found in {@code buf[from, to)}. */
    static int scan(byte[] buf, int from, int to) {
        int hints = 0;
        for (int p = from; p + ROUTE.length <= to; p++) {
            if (!matchesUpper(buf, p, to, ROUTE) || (p > from && SqlLexer.isWordByte(buf[p - 1] & 0xFF))) {
                continue;
            }
            int q = skipSpaces(buf, p + ROUTE.length, to);
            if (q >= to || buf[q] != '=') {
                continue;
            }
            q = skipSpaces(buf, q + 1, to);
            if (matchesWord(buf, q, to, PRIMARY)) {
                hints |= SqlLexer.HINT_PRIMARY;
            } else if (matchesWord(buf, q, to, REPLICA)) {
                hints |= SqlLexer.HINT_REPLICA;
            }
        }
        return hints;
    }

    private static int skipSpaces(byte[] buf, int from, int to) {
        int p = from;
        while (p < to && (buf[p] & 0xFF) <= ' ') {
            p++;
        }
        return p;
    }

    private static boolean matchesWord(byte[] buf, int p, int to, byte[] word) {
        int after = p + word.length;
        return matchesUpper(buf, p, to, word) && (after == to || !SqlLexer.isWordByte(buf[after] & 0xFF));
    }

    private static boolean matchesUpper(byte[] buf, int p, int to, byte[] word) {
        if (p + word.length > to) {
            return false;
        }
        for (int i = 0; i < word.length; i++) {
            if (Keyword.upper(buf[p + i]) != word[i]) {
                return false;
            }
        }
        return true;
    }
}

package io.mysqlproxy.core.classify;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The text of a quoted token without its quotes: doubled quotes and (in strings) backslash escapes undone. */
final class QuotedText {

    private QuotedText() {}

    /**
     * {@code buf[start, end)} is a quoted identifier or string, maybe with a prefix ({@code N'...'},
     * {@code X'...'}, {@code _utf8mb4'...'}); allocates, for the rare statements whose operands matter.
     */
    static String unquote(byte[] buf, int start, int end, boolean backslashEscapes) {
        int open = start;
        while (buf[open] != '\'' && buf[open] != '"' && buf[open] != '`') {
            open++;
        }
        byte quote = buf[open];
        ByteArrayOutputStream out = new ByteArrayOutputStream(end - start);
        int last = end - 1;
        for (int p = open + 1; p < last; p++) {
            byte b = buf[p];
            if (b == quote && p + 1 < last && buf[p + 1] == quote) {
                p++;
            } else if (b == '\\' && backslashEscapes && p + 1 < last) {
                p++;
                b = switch (buf[p]) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case '0' -> 0;
                    default -> buf[p];
                };
            }
            out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}

package io.mysqlproxy.core.error;

/**
 * Client-chosen strings (user names, schema names, plugin names) as they go into text logs: control
 * characters, line breaks, quotes and backslashes escaped, so that a client cannot forge log lines,
 * and cut at {@value #MAX_CHARS} characters, so that it cannot flood them.
 */
public final class LogText {

    static final int MAX_CHARS = 128;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText() {}

    /** {@code text} escaped (null stays "null"); safe between quotes on one log line. */
    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        int length = Math.min(text.length(), MAX_CHARS);
        StringBuilder out = new StringBuilder(length + 8);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                case '\'' -> out.append("\\'");
                case '"' -> out.append("\\\"");
                default -> {
                    if (c < 0x20
                            || c == 0x7f
                            || (c >= 0x80 && c < 0xa0)
                            || c == 0x2028
                            || c == 0x2029
                            || Character.isSurrogate(c) && !validPair(text, i)) {
                        out.append("\\u")
                                .append(HEX[c >> 12 & 15])
                                .append(HEX[c >> 8 & 15])
                                .append(HEX[c >> 4 & 15])
                                .append(HEX[c & 15]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (text.length() > MAX_CHARS) {
            out.append("...(").append(text.length()).append(" chars)");
        }
        return out.toString();
    }

    private static boolean validPair(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }
}

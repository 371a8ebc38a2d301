package io.mysqlproxy.core.report;

/** The one JSON string writer of the admin endpoints' bodies (they are small and flat: no library needed). */
public final class JsonText {

    private JsonText() {}

    /** Appends {@code value} as a JSON string, quoted and escaped; {@code null} for null. */
    public static StringBuilder appendString(StringBuilder out, String value) {
        if (value == null) {
            return out.append("null");
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"');
    }
}

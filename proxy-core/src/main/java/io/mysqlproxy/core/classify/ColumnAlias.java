package io.mysqlproxy.core.classify;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The alias a rewritten select item gets so that its result column keeps the name the server would
 * have given it, the item's own text: {@code AS `<text>`}, back-ticks in the text doubled.
 */
final class ColumnAlias {

    private static final byte[] AS = " AS `".getBytes(StandardCharsets.US_ASCII);

    private ColumnAlias() {}

    /** Writes {@code AS `sql[start, end)`} to {@code out}. */
    static void write(ByteArrayOutputStream out, byte[] sql, int start, int end) {
        out.writeBytes(AS);
        for (int p = start; p < end; p++) {
            if (sql[p] == '`') {
                out.write('`');
            }
            out.write(sql[p]);
        }
        out.write('`');
    }
}

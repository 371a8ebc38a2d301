package io.mysqlproxy.core.classify;

import java.nio.charset.StandardCharsets;

/**
 * Whether a statement text may carry a password in clear: {@code CREATE | ALTER USER ... IDENTIFIED BY
 * 'pw'}, {@code GRANT ... IDENTIFIED BY}, {@code SET PASSWORD}, {@code CHANGE MASTER TO MASTER_PASSWORD =},
 * {@code CHANGE REPLICATION SOURCE TO SOURCE_PASSWORD =}, {@code START SLAVE | REPLICA ... PASSWORD =},
 * {@code CREATE SERVER ... OPTIONS (PASSWORD ...)}. MySQL shows such statements in its process list with
 * {@code <secret>} in place of the password; SHOW PROCESSLIST through the proxy shows no text for them.
 *
 * <p>The rule is deliberately wide: any of the words IDENTIFIED, PASSWORD, MASTER_PASSWORD or
 * SOURCE_PASSWORD outside strings, quoted identifiers and comments, found by the {@link SqlLexer}, in any
 * statement of the text (a stored program's body included). A plain {@code SELECT password FROM t} loses
 * its Info too, which costs less than one password shown.
 */
public final class SecretStatement {

    private SecretStatement() {}

    /** Whether {@code sql} may hold a password. */
    public static boolean mayHoldPassword(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        return mayHoldPassword(bytes, 0, bytes.length);
    }

    /** Whether {@code length} bytes of {@code sql} from {@code offset} may hold a password. */
    public static boolean mayHoldPassword(byte[] sql, int offset, int length) {
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, offset, length);
        try {
            while (lx.next() != SqlLexer.EOF) {
                Keyword keyword = lx.keyword();
                if (keyword == Keyword.IDENTIFIED
                        || keyword == Keyword.PASSWORD
                        || keyword == Keyword.MASTER_PASSWORD
                        || keyword == Keyword.SOURCE_PASSWORD) {
                    return true;
                }
            }
            return false;
        } finally {
            lx.release();
        }
    }
}

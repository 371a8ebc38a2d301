package io.mysqlproxy.core.classify;

/**
 * A multi-statement COM_QUERY text that begins with its only KILL ({@code kill 5; select 1}): the proxy
 * answers the KILL, as it does when KILL comes alone, and sends the server the statements after it.
 * Other places for a KILL in a multi-statement are refused: the statements before it would have run
 * on a server, and several KILLs would need an answer each in between. So is a LOAD after the KILL: a
 * LOCAL upload would come from the client numbered after the proxy's OK, out of step with the server.
 *
 * @param target what the KILL asks for, or null for a form that names no proxy connection (KILL USER ...)
 * @param restStart the offset in the text just past the KILL's {@code ;}, where the rest begins
 */
public record LeadingKill(SqlOperands.KillTarget target, int restStart) {

    /**
     * The KILL that begins {@code sql}, a multi-statement with a KILL, or null when its KILL is elsewhere or
     * not alone, or a LOAD follows it.
     */
    public static LeadingKill of(byte[] sql) {
        SqlLexer lx = new SqlLexer();
        lx.reset(sql, 0, sql.length);
        int parts = 0;
        int kills = 0;
        boolean firstIsKill = false;
        boolean load = false;
        int restStart = -1;
        lx.next();
        while (lx.type() != SqlLexer.EOF) {
            if (lx.isPunct(';')) {
                if (parts == 1 && restStart < 0) {
                    restStart = lx.end();
                }
                lx.next();
                continue;
            }
            load |= lx.is(Keyword.LOAD);
            boolean kill = PartResult.kind(StatementClassifier.dispatch(lx)) == StatementKind.KILL;
            StatementClassifier.skipToStatementEnd(lx);
            if (kill) {
                kills++;
                firstIsKill |= parts == 0;
            }
            parts++;
        }
        if (!firstIsKill || kills != 1 || load || restStart < 0) {
            return null;
        }
        return new LeadingKill(SqlOperands.killTarget(sql), restStart);
    }
}

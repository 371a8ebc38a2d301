package io.mysqlproxy.core.classify;

/**
 * The scope a SET assignment names before its variable, as MySQL and MariaDB parse it: a keyword
 * ({@code GLOBAL | PERSIST | PERSIST_ONLY}, {@code SESSION | LOCAL}) holds for this assignment and
 * the later ones that name none; an {@code @@global.}, {@code @@session.}, {@code @@local.} or bare
 * {@code @@} prefix holds for its own variable only.
 */
enum SetScope {
    /** No scope: the last keyword's, or the session's. */
    NONE,
    SESSION_KEYWORD,
    GLOBAL_KEYWORD,
    SESSION_PREFIX,
    GLOBAL_PREFIX,
    /** {@code @@session} or {@code @@global} was itself the name: nothing recognisable is assigned. */
    WAS_NAME;

    /** Skips the scope before a variable name (the lexer at its first token) and says which it was. */
    static SetScope skip(SqlLexer lx) {
        Keyword keyword = lx.keyword();
        if (isGlobal(keyword)) {
            lx.next();
            return GLOBAL_KEYWORD;
        }
        if (keyword == Keyword.SESSION || keyword == Keyword.LOCAL) {
            lx.next();
            return SESSION_KEYWORD;
        }
        if (lx.type() != SqlLexer.SYSTEM_VARIABLE) {
            return NONE;
        }
        lx.next();
        Keyword scope = lx.keyword();
        boolean global = isGlobal(scope);
        if (!global && scope != Keyword.SESSION && scope != Keyword.LOCAL) {
            return SESSION_PREFIX; // a bare @@name is the session's
        }
        lx.next();
        if (!lx.isPunct('.')) {
            return WAS_NAME;
        }
        lx.next();
        return global ? GLOBAL_PREFIX : SESSION_PREFIX;
    }

    /** Whether it is a keyword, which later assignments without a scope follow. */
    boolean carriesOver() {
        return this == SESSION_KEYWORD || this == GLOBAL_KEYWORD;
    }

    /** Whether the assignment is global, given whether the last keyword before it was a global one. */
    boolean global(boolean globalKeyword) {
        return this == NONE ? globalKeyword : this == GLOBAL_KEYWORD || this == GLOBAL_PREFIX;
    }

    /** Whether it names the session explicitly. */
    boolean session() {
        return this == SESSION_KEYWORD || this == SESSION_PREFIX;
    }

    private static boolean isGlobal(Keyword keyword) {
        return keyword == Keyword.GLOBAL || keyword == Keyword.PERSIST || keyword == Keyword.PERSIST_ONLY;
    }
}

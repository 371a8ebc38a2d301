package io.mysqlproxy.core.classify;

/**
 * A cursor over statement bytes that yields the tokens the classifier cares about and skips the rest.
 *
 * <p>Skipped: whitespace; block comments, {@code #} and {@code -- } comments (two dashes followed by
 * a space or control character, or by the end, as MySQL requires). Quoted text ({@code '...'},
 * {@code "..."}, {@code `...`}, with doubled quotes and, outside back-ticks, backslash escapes) is one
 * token, so words inside it never look like keywords. Executable comments {@code /*!}, {@code /*!NNNNN},
 * {@code /*M!} and {@code /*M!NNNNNN} are code: their markers are skipped and their content lexed. The
 * version is ignored, so a clause meant for a newer server still counts; that errs towards the primary.
 * Plain comments are searched for routing hints.
 *
 * <p>One instance is reused per thread (see {@link StatementClassifier}); {@link #reset} and
 * {@link #release} bracket each use. Never throws on malformed input: an unterminated quote or
 * comment runs to the end and sets {@link #malformed()}. Backslash escapes are always honoured, so
 * under NO_BACKSLASH_ESCAPES a string ending in a backslash is read as unterminated (and MALFORMED).
 */
final class SqlLexer {

    static final int EOF = 0;
    /** Unquoted identifier, keyword or number. */
    static final int WORD = 1;
    /** Back-tick quoted identifier. */
    static final int QUOTED_IDENTIFIER = 2;
    /** Single- or double-quoted string. */
    static final int STRING = 3;
    /** {@code @name}, {@code @'name'}, {@code @`name`}. */
    static final int USER_VARIABLE = 4;
    /** {@code @@}; the optional scope and the name follow as separate tokens. */
    static final int SYSTEM_VARIABLE = 5;
    /** {@code :=}. */
    static final int ASSIGN = 6;
    /** Any other single byte: {@code ( ) ; , = .} and operators. */
    static final int PUNCT = 7;

    static final int HINT_PRIMARY = 1;
    static final int HINT_REPLICA = 2;

    private static final int CONNECTION_ID_LENGTH = Keyword.CONNECTION_ID.name().length();
    private static final int PSEUDO_THREAD_ID_LENGTH =
            Keyword.PSEUDO_THREAD_ID.name().length();

    private byte[] buf;
    private int limit;
    private int pos;
    private int type;
    private int start;
    private int end;
    private Keyword keyword;
    private boolean keywordResolved;
    private boolean inExecutableComment;
    private boolean malformed;
    private int hints;
    /** Whether a word CONNECTION_ID or PSEUDO_THREAD_ID was seen (see {@link #sawConnectionIdName()}). */
    private boolean sawConnectionIdName;
    /** The case-insensitive {@link Keyword#hash} of the current WORD, computed while reading it. */
    private long wordHash;
    /** Fed every token when a digest is wanted (see {@link #reset(byte[], int, int, DigestScanner)}), else null. */
    private DigestScanner digest;

    private DigestScanner ownDigest;

    void reset(byte[] bytes, int offset, int length) {
        reset(bytes, offset, length, null);
    }

    /** Starts over on {@code bytes}; {@code digest}, when not null, sees every token from here on. */
    void reset(byte[] bytes, int offset, int length, DigestScanner digest) {
        this.digest = digest;
        this.buf = bytes;
        this.pos = offset;
        this.limit = offset + length;
        this.type = EOF;
        this.start = offset;
        this.end = offset;
        this.keyword = null;
        this.keywordResolved = true;
        this.inExecutableComment = false;
        this.malformed = false;
        this.hints = 0;
        this.sawConnectionIdName = false;
    }

    /** This thread's digest scanner, for {@link StatementClassifier} to pass to {@link #reset(byte[], int, int, DigestScanner)}. */
    DigestScanner digestScanner() {
        if (ownDigest == null) {
            ownDigest = new DigestScanner();
        }
        return ownDigest;
    }

    /** Drops the reference to the caller's array so a reused lexer never keeps a statement alive. */
    void release() {
        this.buf = null;
        this.digest = null;
    }

    /** Advances to the next token and returns its type. */
    int next() {
        skipTrivia();
        keywordResolved = false;
        start = pos;
        if (pos >= limit) {
            type = EOF;
            // An executable comment still open at the end is as unterminated as a plain one.
            malformed |= inExecutableComment;
        } else {
            int b = buf[pos] & 0xFF;
            if (isWordByte(b)) {
                lexWord(b);
            } else if (b == '\'' || b == '"') {
                pos = skipQuoted(pos, b, true);
                type = STRING;
            } else if (b == '`') {
                pos = skipQuoted(pos, b, false);
                type = QUOTED_IDENTIFIER;
            } else if (b == '@') {
                lexVariable();
            } else if (b == ':' && pos + 1 < limit && buf[pos + 1] == '=') {
                pos += 2;
                type = ASSIGN;
            } else {
                pos++;
                type = PUNCT;
            }
        }
        end = pos;
        if (digest != null) {
            digest.token(type, buf, start, end, wordHash);
        }
        if (type == WORD && !sawConnectionIdName) {
            int length = end - start;
            // Two lengths to compare, so the other words of a statement cost one comparison each.
            if (length == CONNECTION_ID_LENGTH || length == PSEUDO_THREAD_ID_LENGTH) {
                Keyword word = keyword();
                sawConnectionIdName = word == Keyword.CONNECTION_ID || word == Keyword.PSEUDO_THREAD_ID;
            }
        }
        return type;
    }

    int type() {
        return type;
    }

    /** The current token is the end of the text or the {@code ;} that ends a statement. */
    boolean atStatementEnd() {
        return type == EOF || isPunct(';');
    }

    boolean isPunct(char c) {
        return type == PUNCT && buf[start] == c;
    }

    /** The keyword spelled by the current WORD token, or null (resolved once per token). */
    Keyword keyword() {
        if (!keywordResolved) {
            keyword = type == WORD ? Keyword.find(buf, start, end, wordHash) : null;
            keywordResolved = true;
        }
        return keyword;
    }

    boolean is(Keyword expected) {
        return keyword() == expected;
    }

    /** Whether the current WORD or STRING token is exactly the one character {@code c} (quotes aside). */
    boolean isSingleChar(char c) {
        if (type == WORD) {
            return end - start == 1 && buf[start] == c;
        }
        return type == STRING && end - start == 3 && buf[start + 1] == c;
    }

    /** The offset of the current token's first byte. */
    int start() {
        return start;
    }

    /** The offset just past the current token (its start, for EOF). */
    int end() {
        return end;
    }

    boolean malformed() {
        return malformed;
    }

    /**
     * The current token's text: an identifier, keyword or number as written; a quoted identifier or
     * string without its quotes, doubled quotes and backslash escapes undone. Allocates; for the
     * rare statements whose operands matter (USE, proxy SET statements), never the hot path.
     */
    String text() {
        if (type != QUOTED_IDENTIFIER && type != STRING) {
            return new String(buf, start, end - start, java.nio.charset.StandardCharsets.UTF_8);
        }
        return QuotedText.unquote(buf, start, end, type == STRING);
    }

    /**
     * Whether a word spelled CONNECTION_ID or PSEUDO_THREAD_ID (any case) was among the tokens so far: the
     * cheap sign that {@link ConnectionIdRewrite} may have something to do.
     */
    boolean sawConnectionIdName() {
        return sawConnectionIdName;
    }

    /** {@link #HINT_PRIMARY} and/or {@link #HINT_REPLICA}, from the comments seen so far. */
    int hints() {
        return hints;
    }

    private void lexVariable() {
        int p = pos + 1;
        if (p < limit && buf[p] == '@') {
            pos = p + 1;
            type = SYSTEM_VARIABLE;
            return;
        }
        if (p < limit) {
            int b = buf[p] & 0xFF;
            if (b == '\'' || b == '"' || b == '`') {
                pos = skipQuoted(p, b, b != '`');
                type = USER_VARIABLE;
                return;
            }
            if (isWordByte(b) || b == '.') {
                while (p < limit && (isWordByte(buf[p] & 0xFF) || buf[p] == '.')) {
                    p++;
                }
                pos = p;
                type = USER_VARIABLE;
                return;
            }
        }
        pos++;
        type = PUNCT;
    }

    private void skipTrivia() {
        while (pos < limit) {
            int b = buf[pos] & 0xFF;
            if (b <= ' ') {
                pos++;
            } else if (b == '#') {
                skipLineComment(pos + 1);
            } else if (b == '-'
                    && pos + 2 <= limit
                    && buf[pos + 1] == '-'
                    && (pos + 2 == limit || (buf[pos + 2] & 0xFF) <= ' ')) {
                skipLineComment(pos + 2);
            } else if (b == '/' && pos + 1 < limit && buf[pos + 1] == '*') {
                skipBlockComment(pos + 2);
            } else if (b == '*' && inExecutableComment && pos + 1 < limit && buf[pos + 1] == '/') {
                pos += 2;
                inExecutableComment = false;
            } else {
                return;
            }
        }
    }

    private void skipLineComment(int from) {
        int p = from;
        while (p < limit && buf[p] != '\n') {
            p++;
        }
        hints |= RouteHintScanner.scan(buf, from, p);
        pos = p;
    }

    /** {@code from} is just past the opening {@code /*}. */
    private void skipBlockComment(int from) {
        int p = from;
        if (p < limit && buf[p] == '!') {
            enterExecutableComment(p + 1);
            return;
        }
        if (p + 1 < limit && buf[p] == 'M' && buf[p + 1] == '!') {
            enterExecutableComment(p + 2);
            return;
        }
        while (p + 1 < limit && !(buf[p] == '*' && buf[p + 1] == '/')) {
            p++;
        }
        if (p + 1 >= limit) {
            malformed = true;
            hints |= RouteHintScanner.scan(buf, from, limit);
            pos = limit;
        } else {
            hints |= RouteHintScanner.scan(buf, from, p);
            pos = p + 2;
        }
    }

    /** Skips a 5- or 6-digit server version after {@code /*!} or {@code /*M!}; the content is code. */
    private void enterExecutableComment(int from) {
        int digits = 0;
        while (from + digits < limit && digits < 7 && isDigit(buf[from + digits])) {
            digits++;
        }
        pos = digits == 5 || digits == 6 ? from + digits : from;
        inExecutableComment = true;
    }

    /**
     * A word, hashed as it is read for the keyword lookup and the digest; a number with its fraction and
     * exponent ({@code 1.5e-3}) as one word; and a prefixed string ({@code N'..'}, {@code X'..'},
     * {@code B'..'}, {@code _utf8mb4'..'}) as one STRING.
     */
    private void lexWord(int first) {
        long hash = Keyword.HASH_SEED;
        int p = pos;
        while (p < limit) {
            int b = buf[p] & 0xFF;
            if (!isWordByte(b)) {
                break;
            }
            hash = Keyword.hashStep(hash, b);
            p++;
        }
        wordHash = hash;
        type = WORD;
        if (first >= '0' && first <= '9') {
            p = NumberLiteral.end(buf, pos, p, limit);
        } else if (p < limit && buf[p] == '\'' && (first == '_' || (p - pos == 1 && isStringPrefix(first)))) {
            p = skipQuoted(p, '\'', true);
            type = STRING;
        }
        pos = p;
    }

    private static boolean isStringPrefix(int b) {
        int upper = Keyword.upper(b);
        return upper == 'N' || upper == 'X' || upper == 'B';
    }

    /** {@code from} is at the opening quote; returns the index just past the closing one. */
    private int skipQuoted(int from, int quote, boolean backslashEscapes) {
        int p = from + 1;
        while (p < limit) {
            int b = buf[p] & 0xFF;
            if (b == '\\' && backslashEscapes) {
                p += 2;
            } else if (b == quote) {
                if (p + 1 < limit && buf[p + 1] == quote) {
                    p += 2;
                } else {
                    return p + 1;
                }
            } else {
                p++;
            }
        }
        malformed = true;
        return limit;
    }

    /** Letters, digits, {@code _}, {@code $} and any non-ASCII byte (identifiers may be UTF-8). */
    static boolean isWordByte(int b) {
        return (b >= 'a' && b <= 'z')
                || (b >= 'A' && b <= 'Z')
                || (b >= '0' && b <= '9')
                || b == '_'
                || b == '$'
                || b >= 0x80;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}

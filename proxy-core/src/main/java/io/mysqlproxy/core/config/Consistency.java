package io.mysqlproxy.core.config;

import java.util.Locale;

/** How fresh a session's reads must be. */
public enum Consistency {
    /** Replicas within the allowed lag may serve any read. */
    EVENTUAL,
    /** After a write, the session's reads go to a replica only once it has applied that write. */
    SESSION,
    /**
     * A read goes to a replica only once it has applied everything the primary had committed when the
     * read arrived, whichever session wrote it.
     */
    GLOBAL,
    /** Every read goes to the primary. */
    STRONG;

    /** Parses {@code eventual}, {@code session}, {@code global} or {@code strong}, in any letter case. */
    public static Consistency parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be eventual, session, global or strong, got '" + text + "'", e);
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

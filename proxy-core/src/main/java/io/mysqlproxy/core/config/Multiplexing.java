package io.mysqlproxy.core.config;

import java.util.Locale;

/** When a session gives its backend connections back to their pools (backends.pool.multiplexing). */
public enum Multiplexing {
    /** After backends.pool.return-after-idle of idleness; the pool resets each connection given back. */
    IDLE,
    /**
     * At every transaction boundary with nothing held, without a reset: the connection keeps an imprint of
     * its state, and the next borrower brings it in step (or resets it when it cannot).
     */
    TRANSACTION;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Multiplexing parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be idle or transaction, got '" + text + "'", e);
        }
    }
}

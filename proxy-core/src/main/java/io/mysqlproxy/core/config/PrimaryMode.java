package io.mysqlproxy.core.config;

import java.util.Locale;

/** How the proxy knows which server takes writes. */
public enum PrimaryMode {
    /** {@code backends.primary} (ordinal 0 under Kubernetes discovery), confirmed by its {@code read_only = OFF}. */
    CONFIGURED,
    /** Whichever single known server reports {@code read_only = OFF}, so that an external failover is followed. */
    FOLLOW_WRITABLE;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static PrimaryMode parse(String text) {
        try {
            return valueOf(text.trim().replace('-', '_').toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be configured or follow-writable, got '" + text + "'", e);
        }
    }
}

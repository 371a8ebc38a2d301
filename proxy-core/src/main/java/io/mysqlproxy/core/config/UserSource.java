package io.mysqlproxy.core.config;

import java.util.Locale;

/** Where the application users come from. */
public enum UserSource {
    /** The {@code users} list only, each with its password in the configuration. */
    CONFIG,
    /** The primary's {@code mysql.user}; {@code users} entries only add proxy-side settings, never a password. */
    SERVERS,
    /** Both: a name the {@code users} list has is that entry, any other name an account of the servers. */
    BOTH;

    public static UserSource parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be config, servers or both, got '" + text + "'", e);
        }
    }

    /** Whether the accounts of the servers are read. */
    public boolean readsServers() {
        return this != CONFIG;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

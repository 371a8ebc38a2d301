package io.mysqlproxy.core.accounts;

/** The servers' accounts as last read, and a way to ask for a fresh read ({@link AccountRefresher}). */
public interface KnownAccounts extends AutoCloseable {

    /** The accounts of the last good read. */
    ServerAccounts current();

    /** Asks for a read soon (rate-limited); returns at once. */
    void refreshSoon();

    /** Stops reading. */
    @Override
    void close();
}

package io.mysqlproxy.core.route;

import io.mysqlproxy.core.config.Consistency;

/** What the router needs to know of a session. */
public interface RouteContext {

    /** Whether a transaction is open on one of the session's backends. */
    boolean inTransaction();

    /** The session's autocommit setting, as the primary last reported it. */
    boolean autocommit();

    /** Bits of {@link Pin}; zero when the session is free to move. */
    int pins();

    Consistency consistency();

    /** Whether the session wrote since it last reset (its reads may then have to wait for the write). */
    boolean hasWritten();
}

package io.mysqlproxy.core.route;

import io.mysqlproxy.core.config.Consistency;

/** A session's routing context for tests; the record's accessors implement {@link RouteContext}. */
public record FakeSession(
        boolean inTransaction, boolean autocommit, int pins, Consistency consistency, boolean hasWritten)
        implements RouteContext {

    /** No transaction, autocommit on, no pins, consistency {@code session}, nothing written: a session just logged in. */
    public static FakeSession fresh() {
        return new FakeSession(false, true, 0, Consistency.SESSION, false);
    }

    public FakeSession inTransaction(boolean value) {
        return new FakeSession(value, autocommit, pins, consistency, hasWritten);
    }

    public FakeSession autocommit(boolean value) {
        return new FakeSession(inTransaction, value, pins, consistency, hasWritten);
    }

    public FakeSession pinned(Pin... set) {
        int bits = pins;
        for (Pin pin : set) {
            bits |= pin.bit();
        }
        return new FakeSession(inTransaction, autocommit, bits, consistency, hasWritten);
    }

    public FakeSession consistency(Consistency value) {
        return new FakeSession(inTransaction, autocommit, pins, value, hasWritten);
    }

    /** The session wrote (on the primary) since it last reset. */
    public FakeSession wrote() {
        return new FakeSession(inTransaction, autocommit, pins, consistency, true);
    }
}

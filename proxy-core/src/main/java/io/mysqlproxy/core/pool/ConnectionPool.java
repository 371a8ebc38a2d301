package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/** What a client session needs of one backend's pool: a connection to borrow, and to give back. */
public interface ConnectionPool {

    /**
     * A connection for {@code login}'s user on {@code loop}. An idle one must be on the login's schema
     * unless {@code anySchema} (the borrower will change it). Must be called on {@code loop}.
     */
    default Future<BackendConnection> borrow(EventLoop loop, BackendLogin login, boolean anySchema) {
        return borrow(loop, login, anySchema, IdlePreference.CLEAN_FIRST);
    }

    /** As above; of the idle connections that qualify, the one {@code preference} ranks first. */
    Future<BackendConnection> borrow(EventLoop loop, BackendLogin login, boolean anySchema, IdlePreference preference);

    /**
     * Gives a connection back, reused if it is between commands, else closed: reset first unless it
     * carries an imprint ({@link BackendConnection#imprint}), which the next borrower deals with.
     */
    void release(BackendConnection connection);

    /** Closes a connection the borrower cannot give back clean. */
    void discard(BackendConnection connection);

    /** The backend's load: requests in flight (for the balancer) and statements routed to it. */
    BackendLoad load();
}

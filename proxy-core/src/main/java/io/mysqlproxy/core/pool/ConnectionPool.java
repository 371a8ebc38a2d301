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
    Future<BackendConnection> borrow(EventLoop loop, BackendLogin login, boolean anySchema);

    /** Gives a connection back, to be reset and reused if it is between commands, else closed. */
    void release(BackendConnection connection);

    /** Closes a connection the borrower cannot give back clean. */
    void discard(BackendConnection connection);

    /** The backend's load: requests in flight (for the balancer) and statements routed to it. */
    BackendLoad load();
}

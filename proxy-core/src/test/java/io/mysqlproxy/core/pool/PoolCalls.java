package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

import java.util.concurrent.TimeUnit;

/** The pool calls the pool tests make, each on the event loop a session would make it on. */
final class PoolCalls {

    private PoolCalls() {}

    /** Borrows on {@code loop}, as sessions do; the future completes on that loop. */
    static Future<BackendConnection> borrow(BackendPool pool, EventLoop loop, BackendLogin login) throws Exception {
        return loop.submit(() -> pool.borrow(loop, login, false)).get(5, TimeUnit.SECONDS);
    }

    /** Borrows on {@code loop} and waits up to 5 s for the connection. */
    static BackendConnection borrowNow(BackendPool pool, EventLoop loop, BackendLogin login) throws Exception {
        return borrow(pool, loop, login).get(5, TimeUnit.SECONDS);
    }

    /** Gives {@code connection} back on its own loop. */
    static void release(BackendPool pool, BackendConnection connection) throws Exception {
        connection.channel().eventLoop().submit(() -> pool.release(connection)).get(5, TimeUnit.SECONDS);
    }
}

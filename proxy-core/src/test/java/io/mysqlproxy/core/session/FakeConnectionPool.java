package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.EmbeddedBackends;
import io.mysqlproxy.core.pool.BackendLoad;
import io.mysqlproxy.core.pool.ConnectionPool;
import io.mysqlproxy.core.topology.Backend;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.util.ArrayList;
import java.util.List;

/**
 * One backend's pool for component tests: every borrow opens a new {@link EmbeddedBackends}
 * connection logged in as asked, and the pool records what was borrowed, given back and discarded.
 * A borrow completes at once unless the test {@link #holdNextBorrow() holds} it.
 */
final class FakeConnectionPool implements ConnectionPool {

    private final BackendLoad load = new BackendLoad();

    private final Backend backend;
    private final boolean deprecateEof;
    private final List<BackendConnection> borrowed = new ArrayList<>();
    private final List<BackendLogin> logins = new ArrayList<>();
    private final List<BackendConnection> released = new ArrayList<>();
    private final List<BackendConnection> discarded = new ArrayList<>();
    private boolean holdNext;
    private String nextSchema;
    private Promise<BackendConnection> held;
    private BackendConnection heldConnection;
    /** Borrows still to be refused, as by a server that is down, and with what. */
    private int refusals;

    private int refusedBorrows;
    private Throwable refusal;

    FakeConnectionPool(Backend backend, boolean deprecateEof) {
        this.backend = backend;
        this.deprecateEof = deprecateEof;
    }

    @Override
    public Future<BackendConnection> borrow(
            EventLoop loop, BackendLogin login, boolean anySchema, io.mysqlproxy.core.pool.IdlePreference preference) {
        if (refusals > 0) {
            refusals--;
            refusedBorrows++;
            return loop.newFailedFuture(refusal);
        }
        BackendLogin opened = login;
        if (nextSchema != null) {
            opened = new BackendLogin(
                    login.user(),
                    login.secret(),
                    login.authPlugin(),
                    login.clientCapabilities(),
                    login.clientMariaDbCapabilities(),
                    login.characterSet(),
                    nextSchema,
                    login.attributes());
            nextSchema = null;
        }
        BackendConnection connection = EmbeddedBackends.connection(
                backend.address().host() + ":" + backend.address().port(), 100 + borrowed.size(), opened, deprecateEof);
        borrowed.add(connection);
        logins.add(login);
        if (holdNext) {
            holdNext = false;
            held = loop.newPromise();
            heldConnection = connection;
            return held;
        }
        return loop.newSucceededFuture(connection);
    }

    @Override
    public void release(BackendConnection connection) {
        released.add(connection);
    }

    /** Closes the connection, as the real pool does. */
    @Override
    public void discard(BackendConnection connection) {
        discarded.add(connection);
        connection.close();
    }

    /** The next borrow hands out an idle connection left on {@code schema} (a borrow for any schema may). */
    void nextOnSchema(String schema) {
        nextSchema = schema;
    }

    /** The next {@code count} borrows fail with {@code cause}, as when the server is down. */
    void refuseBorrows(int count, Throwable cause) {
        refusals = count;
        refusal = cause;
    }

    /** Borrows that {@link #refuseBorrows} refused. */
    int refusedBorrows() {
        return refusedBorrows;
    }

    /** The next borrow waits until {@link #completeHeldBorrow()}: a connection still logging in. */
    void holdNextBorrow() {
        holdNext = true;
    }

    void completeHeldBorrow() {
        held.setSuccess(heldConnection);
    }

    /** Connections handed out, in order. */
    List<BackendConnection> borrowed() {
        return borrowed;
    }

    /** The connection handed out by the {@code n}th borrow (from 0). */
    BackendConnection borrowed(int n) {
        return borrowed.get(n);
    }

    /** What each borrow logged in with, in order. */
    List<BackendLogin> logins() {
        return logins;
    }

    List<BackendConnection> released() {
        return released;
    }

    List<BackendConnection> discarded() {
        return discarded;
    }

    @Override
    public BackendLoad load() {
        return load;
    }
}

package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.topology.Backend;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Authenticated connections to one backend, reused across client sessions. A connection belongs
 * to the event loop it was opened on (its session runs there too), so idle connections are kept
 * per loop ({@link IdleConnections}); the bound on open connections is global. A connection given
 * back is cleaned ({@link ConnectionReset}) before anyone else gets it, and closed instead if it
 * cannot be, unless it comes with an imprint (transaction multiplexing): then the borrower that
 * takes it brings it in step, and borrowers say which idle connections they prefer ({@link IdlePreference}).
 *
 * <p>A borrower that finds the pool full waits in its loop's line ({@link PoolWaiters}) up to the borrow
 * timeout: a connection given back goes to a waiter of its own loop ({@link #returned}), a freed slot to
 * the longest waiter of the loops holding fewest, and a loop holding two more than a waiting loop gives
 * one up for it. One user has at most {@link PoolSettings#maxPerUser} connections in use
 * (borrowed, or being opened or awaited for it: a waiter holds a claim); beyond that it gets 1203 at once, as from a
 * server's {@code max_user_connections}, so that it cannot take every slot. Idle connections count
 * for no user: anyone may make them give up their slot.
 *
 * <p>A server that answers a new connection with 1040 (its {@code max_connections} reached) may be
 * full of this pool's idle connections of other keys: the longest-idle one is quit and the
 * connection tried again (a few times at most, never closing a connection in use).
 */
public final class BackendPool implements ConnectionPool {

    /**
     * Tries after a 1040, each after quitting one more idle connection: a server counts a
     * connection until its thread has ended, a moment after it hung up, so the first retry may
     * still find it full; a few more idle ones given up cost only a login later.
     */
    private static final int SERVER_FULL_RETRIES = 3;

    private final Backend backend;
    private final BackendConnector connector;
    private final PoolSettings settings;
    /** Open connections: borrowed, idle, being reset or being opened. */
    private final AtomicInteger open = new AtomicInteger();

    private final LongAdder waits = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder serverFullRetries = new LongAdder();
    private final LentConnections lent;
    private final LongAdder discards = new LongAdder();
    private final RetiredUsers retiredUsers = new RetiredUsers();

    private final IdleConnections idle;
    private final PoolWaiters waiters;
    private volatile boolean retired;
    private final BackendLoad load = new BackendLoad();
    private final PoolTls tls = new PoolTls();

    public BackendPool(Backend backend, BackendConnector connector, PoolSettings settings) {
        this.backend = backend;
        this.connector = connector;
        this.settings = settings;
        this.idle = new IdleConnections(settings);
        this.waiters = new PoolWaiters();
        this.lent = new LentConnections(settings.maxPerUser());
    }

    public Backend backend() {
        return backend;
    }

    /** Requests in flight and statements sent over this pool's connections. */
    public BackendLoad load() {
        return load;
    }

    /** Whether and how this pool's connections are encrypted. */
    public PoolTls tls() {
        return tls;
    }

    /** Open connections, idle ones included. */
    public int openConnections() {
        return open.get();
    }

    public int idleConnections() {
        return idle.count();
    }

    /** Connections borrowed by sessions now (not those idle, being reset or being opened). */
    public int borrowedConnections() {
        return lent.count();
    }

    /** Borrowers that had to wait for a free slot, and those that gave up. */
    public long waits() {
        return waits.sum();
    }

    public long timeouts() {
        return timeouts.sum();
    }

    /** Idle connections of {@code key} on every event loop. */
    public int idleConnections(PoolKey key) {
        return idle.count(key);
    }

    /** New connections the server refused with 1040 that were tried again after closing an idle one. */
    public long serverFullRetries() {
        return serverFullRetries.sum();
    }

    /** Connections in use by {@code user}: borrowed, or being opened or awaited for a borrower. */
    public int inUse(String user) {
        return lent.inUse(user);
    }

    /** Connections their session closed instead of giving back (a lost backend, a session aborted mid-command). */
    public long discards() {
        return discards.sum();
    }

    /**
     * A connection for {@code login}'s user on {@code loop}: an idle one, a new one while the pool
     * has room, or the next one freed within the borrow timeout. An idle connection must be on the
     * login's schema unless {@code anySchema} (the borrower will change it); a login borrows with
     * {@code anySchema} false, so a new connection checks that the schema exists and is allowed.
     * Must be called on {@code loop}.
     */
    @Override
    public Future<BackendConnection> borrow(
            EventLoop loop, BackendLogin login, boolean anySchema, IdlePreference preference) {
        Promise<BackendConnection> promise = loop.newPromise();
        if (retired) {
            return promise.setFailure(leftTopology());
        }
        if (!lent.claim(login.user(), promise)) {
            return promise.setFailure(new BackendException(
                    ProxyErrors.userShareReached(login.user(), backend.name(), settings.maxPerUser()), null));
        }
        PoolKey key = PoolKey.of(login);
        BackendConnection found = takeIdle(loop, key, login, anySchema, preference);
        if (found != null) {
            promise.setSuccess(found);
        } else if (waiters.isEmpty() && LentConnections.reserve(open, settings.maxConnections())) {
            // Only when nobody waits on any loop, even if this loop holds fewest: a slot is free only between
            // a close and wakeOne handing it to the longest waiter (of the loops holding fewest), and a
            // newcomer taking it would send that waiter back to wait for another close. Slots move between
            // loops through release() and returned(), where a loop that owes a waiting loop gives one up.
            openReserved(loop, login, promise);
        } else {
            waits.increment();
            Waiter waiter = new Waiter(loop, login, key, anySchema, preference, promise);
            waiter.timeout(loop.schedule(
                    () -> {
                        // Fails the waiter even while wakeOne has it out of the queue; wakeOne skips it then.
                        waiters.remove(waiter);
                        // Counted before the borrower hears of it, so that whoever sees the error sees it counted.
                        timeouts.increment();
                        if (!promise.tryFailure(new BackendException(
                                ProxyErrors.poolExhausted(
                                        backend.name(),
                                        settings.maxConnections(),
                                        settings.borrowTimeout().toMillis()),
                                null))) {
                            timeouts.decrement();
                        }
                    },
                    settings.borrowTimeout().toNanos(),
                    TimeUnit.NANOSECONDS));
            waiters.add(waiter);
            if (retired && waiters.remove(waiter)) { // retire() emptied the lines after the check above
                waiter.cancelTimeout();
                promise.tryFailure(leftTopology());
            } else if (open.get() < settings.maxConnections()) {
                // A slot may have been freed between the check and the enqueue.
                wakeOne();
            } else {
                idle.closeOneToFreeASlot(waiters.mayGiveUpIdleFor(loop));
                // Idle connections a waiting loop within one of this one keeps are closed for this waiter
                // only once it starves.
                waiter.starving(settings.borrowTimeout(), idle::closeOneToFreeASlot);
            }
        }
        return promise;
    }

    /**
     * Gives a connection back. It is kept if it is between commands, reset first unless it carries an
     * imprint; otherwise (a response still on its way, a broken channel) it is closed. On its event loop.
     */
    @Override
    public void release(BackendConnection connection) {
        lent.unlend(connection);
        if (retired
                || !connection.isActive()
                || connection.responsePending()
                || stale(connection)
                || waiters.givesUpForAnotherLoop(connection.channel().eventLoop(), connection.imprint() == null)) {
            connection.close();
        } else if (connection.imprint() != null) {
            returned(connection);
        } else {
            new ConnectionReset(connection, settings.resetTimeout(), this::returned).start();
        }
    }

    /**
     * The backend left the topology: idle connections close now, borrowed ones close when they come
     * back, and waiters and later borrowers fail at once. Work in flight on borrowed ones finishes.
     */
    public void retire() {
        retired = true;
        idle.closeAll();
        waiters.failAll(this::leftTopology);
    }

    /**
     * The backend went down: its idle connections are closed rather than handed out (a server that went away
     * may not have closed them itself). Borrowed ones fail with their sessions, or come back and are reset.
     */
    public void closeIdle() {
        idle.closeIdle();
    }

    /**
     * {@code user}'s account was dropped, locked or given another password on the servers: its idle
     * connections close now, and those in use close when they are given back; none made before now is
     * handed out again. Connections logged in from now on are pooled as usual.
     */
    public void retireUser(String user) {
        idle.closeUser(user, retiredUsers.retire(user));
    }

    /** An idle connection for {@code login} on {@code loop}, or null; see {@link LoopIdleConnections#take}. */
    private BackendConnection takeIdle(
            EventLoop loop, PoolKey key, BackendLogin login, boolean anySchema, IdlePreference preference) {
        BackendConnection found = idle.take(loop, key, login.database(), anySchema, preference);
        // The closing of a retired user's idle connections may still be queued on this loop.
        while (found != null && stale(found)) {
            found.close();
            found = idle.take(loop, key, login.database(), anySchema, preference);
        }
        return found;
    }

    private boolean stale(BackendConnection connection) {
        return retiredUsers.stale(connection);
    }

    private BackendException leftTopology() {
        return new BackendException(ProxyErrors.cannotConnect(backend.name(), "it has left the topology"), null);
    }

    /** Closes a connection the borrower cannot give back clean (it frees a slot). */
    @Override
    public void discard(BackendConnection connection) {
        lent.unlend(connection);
        discards.increment();
        connection.close();
    }

    /** Opens a connection on {@code loop} in a slot already reserved; its close frees the slot. */
    private void openReserved(EventLoop loop, BackendLogin login, Promise<BackendConnection> promise) {
        waiters.opened(loop);
        open(loop, login, promise, SERVER_FULL_RETRIES);
    }

    private void open(EventLoop loop, BackendLogin login, Promise<BackendConnection> promise, int retries) {
        Future<BackendConnection> connecting = connector.connect(loop, backend.address(), login);
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                if (retries > 0
                        && f.cause() instanceof BackendException e
                        && e.error().errorCode() == ProxyErrors.ER_CON_COUNT_ERROR) {
                    // Server full (1040): the slot stays reserved for the retry, once the server let an idle one go.
                    idle.quitOneForTheServer(loop, settings.resetTimeout()).addListener(closed -> {
                        if (Boolean.TRUE.equals(closed.getNow())) {
                            serverFullRetries.increment();
                            open(loop, login, promise, retries - 1);
                        } else {
                            freed(loop);
                            promise.tryFailure(f.cause());
                        }
                    });
                    return;
                }
                freed(loop);
                promise.tryFailure(f.cause());
                return;
            }
            BackendConnection connection = connecting.getNow();
            tls.opened(connection);
            connection.channel().closeFuture().addListener(c -> {
                tls.closed(connection);
                idle.remove(loop, connection);
                lent.unlend(connection);
                freed(loop);
            });
            if (!promise.trySuccess(connection)) {
                connection.close();
            }
        });
    }

    /** A slot of {@code loop}'s was freed: let the longest waiter open a connection in it. */
    private void freed(EventLoop loop) {
        waiters.closed(loop);
        open.decrementAndGet();
        wakeOne();
    }

    private void wakeOne() {
        Waiter waiter = waiters.poll();
        if (waiter == null) {
            return;
        }
        waiter.loop.execute(() -> {
            if (waiter.promise.isDone()) {
                wakeOne();
                return;
            }
            if (retired) { // out of its line while retire() failed the others
                waiter.cancelTimeout();
                waiter.promise.tryFailure(leftTopology());
                return;
            }
            BackendConnection found =
                    takeIdle(waiter.loop, waiter.key, waiter.login, waiter.anySchema, waiter.preference);
            if (found != null) {
                waiter.cancelTimeout();
                if (!waiter.promise.trySuccess(found)) {
                    release(found);
                }
                // The slot this waiter was woken for is still free: the next waiter may use it.
                if (open.get() < settings.maxConnections()) {
                    wakeOne();
                }
            } else if (LentConnections.reserve(open, settings.maxConnections())) {
                waiter.cancelTimeout();
                openReserved(waiter.loop, waiter.login, waiter.promise);
            } else {
                // A borrower who found no one waiting (this waiter was out of the queue a moment)
                // took the slot: stay first in line, and if the pool is full of idle connections
                // this waiter cannot use, close one (see PoolWaiters#mayGiveUpIdleFor), or nothing may free a
                // slot before its timeout.
                waiters.addFirst(waiter);
                idle.closeOneToFreeASlot(waiters.mayGiveUpIdleFor(waiter.loop));
            }
        });
    }

    /**
     * A clean connection is free again (on its own loop). It is closed for another loop's waiter if
     * {@link PoolWaiters#givesUpForAnotherLoop}, or for its loop's longest waiter once that one is
     * {@link Waiter#starving} and cannot take it (else those behind it that can would keep getting them).
     * Else it goes to the first of its loop's longest waiters that can use it ({@link PoolWaiters#takerFor}),
     * or is closed for the longest waiter of all if that one starves, or stays idle.
     */
    private void returned(BackendConnection connection) {
        EventLoop loop = connection.channel().eventLoop();
        PoolKey key = PoolKey.of(connection.login());
        Waiter ownHead = waiters.longestPending(loop);
        if (retired
                || stale(connection)
                || waiters.givesUpForAnotherLoop(loop, connection.imprint() == null)
                || ownHead != null
                        && !ownHead.canTake(loop, key, connection)
                        && ownHead.starving(settings.borrowTimeout(), idle::closeOneToFreeASlot)) {
            connection.close();
            return;
        }
        Waiter taker = waiters.takerFor(loop, key, connection);
        if (taker != null) {
            taker.cancelTimeout();
            if (taker.promise.trySuccess(connection)) {
                return;
            }
        }
        Waiter head = waiters.longestPending();
        if (head != null && head.starving(settings.borrowTimeout(), idle::closeOneToFreeASlot)) {
            connection.close();
        } else {
            idle.put(loop, key, connection);
        }
    }

    @Override
    public String toString() {
        return "pool of " + backend + " (" + open.get() + " open, " + idle.count() + " idle)";
    }
}

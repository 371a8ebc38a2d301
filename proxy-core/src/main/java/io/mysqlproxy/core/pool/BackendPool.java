package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.ResponseSink;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Authenticated connections to one backend, reused across client sessions. A connection belongs
 * to the event loop it was opened on (its session runs there too), so idle connections are kept
 * per loop; the bound on open connections is global. A connection given back is cleaned with
 * COM_RESET_CONNECTION (transactions rolled back, variables, temporary tables, locks and prepared
 * statements dropped) before anyone else gets it, and closed instead if it cannot be.
 *
 * <p>A borrower that finds the pool full waits, first come first served, up to the borrow timeout.
 */
public final class BackendPool {

    private static final Logger log = LoggerFactory.getLogger(BackendPool.class);

    private final Backend backend;
    private final BackendConnector connector;
    private final PoolSettings settings;
    /** Open connections: borrowed, idle, being reset or being opened. */
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final LongAdder waits = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final Map<EventLoop, LoopIdle> idleByLoop = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<Waiter> waiters = new ConcurrentLinkedDeque<>();
    private volatile boolean retired;
    private final BackendLoad load = new BackendLoad();

    public BackendPool(Backend backend, BackendConnector connector, PoolSettings settings) {
        this.backend = backend;
        this.connector = connector;
        this.settings = settings;
    }

    public Backend backend() {
        return backend;
    }

    /** Requests in flight and statements sent over this pool's connections. */
    public BackendLoad load() {
        return load;
    }

    /** Open connections, idle ones included. */
    public int openConnections() {
        return open.get();
    }

    public int idleConnections() {
        return idleCount.get();
    }

    /** Borrowers that had to wait for a free slot, and those that gave up. */
    public long waits() {
        return waits.sum();
    }

    public long timeouts() {
        return timeouts.sum();
    }

    /**
     * A connection for {@code login}'s user on {@code loop}: an idle one, a new one while the pool
     * has room, or the next one freed within the borrow timeout. An idle connection must be on the
     * login's schema unless {@code anySchema} (the borrower will change it); a login borrows with
     * {@code anySchema} false, so a new connection checks that the schema exists and is allowed.
     * Must be called on {@code loop}.
     */
    public Future<BackendConnection> borrow(EventLoop loop, BackendLogin login, boolean anySchema) {
        Promise<BackendConnection> promise = loop.newPromise();
        if (retired) {
            return promise.setFailure(leftTopology());
        }
        PoolKey key = PoolKey.of(login);
        BackendConnection idle = loopIdle(loop).take(key, login.database(), anySchema);
        if (idle != null) {
            promise.setSuccess(idle);
        } else if (waiters.isEmpty() && reserve()) {
            // Only when nobody waits: a newcomer must not take the slot the longest waiter is owed.
            open(loop, login, promise);
        } else {
            waits.increment();
            Waiter waiter = new Waiter(loop, login, key, anySchema, promise);
            waiter.timeout = loop.schedule(() -> {
                // Fails the waiter even while wakeOne has it out of the queue; wakeOne skips it then.
                waiters.remove(waiter);
                if (promise.tryFailure(new BackendException(ProxyErrors.poolExhausted(backend.name(),
                        settings.maxConnections(), settings.borrowTimeout().toMillis()), null))) {
                    timeouts.increment();
                }
            }, settings.borrowTimeout().toNanos(), TimeUnit.NANOSECONDS);
            waiters.add(waiter);
            // A slot may have been freed between the check and the enqueue.
            if (open.get() < settings.maxConnections()) {
                wakeOne();
            } else {
                closeAnIdleConnectionElsewhere(loop, key);
            }
        }
        return promise;
    }

    /**
     * Gives a connection back. It is reset and kept if it is between commands; otherwise (a
     * response still on its way, a broken channel) it is closed. Must be called on its event loop.
     */
    public void release(BackendConnection connection) {
        if (retired || !connection.isActive() || connection.responsePending()) {
            connection.close();
            return;
        }
        new Reset(connection).start();
    }

    /**
     * The backend left the topology: idle connections close now, borrowed ones close when they come
     * back, and waiters and later borrowers fail at once. Work in flight on borrowed ones finishes.
     */
    public void retire() {
        retired = true;
        for (LoopIdle idle : idleByLoop.values()) {
            idle.loop.execute(idle::closeAll);
        }
        Waiter waiter;
        while ((waiter = waiters.pollFirst()) != null) {
            waiter.timeout.cancel(false);
            waiter.promise.tryFailure(leftTopology());
        }
    }

    private BackendException leftTopology() {
        return new BackendException(ProxyErrors.cannotConnect(backend.name(), "it has left the topology"), null);
    }

    /** Closes a connection the borrower cannot give back clean (it frees a slot). */
    public void discard(BackendConnection connection) {
        connection.close();
    }

    private boolean reserve() {
        while (true) {
            int current = open.get();
            if (current >= settings.maxConnections()) {
                return false;
            }
            if (open.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Opens a connection in a slot already reserved. */
    private void open(EventLoop loop, BackendLogin login, Promise<BackendConnection> promise) {
        Future<BackendConnection> connecting = connector.connect(loop, backend.address(), login);
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                freed();
                promise.tryFailure(f.cause());
                return;
            }
            BackendConnection connection = connecting.getNow();
            connection.channel().closeFuture().addListener(c -> {
                loopIdle(loop).remove(connection);
                freed();
            });
            if (!promise.trySuccess(connection)) {
                connection.close();
            }
        });
    }

    /**
     * The pool is full but some slots hold idle connections another loop or user cannot lend: close
     * one so the waiter can open its own in the freed slot. Otherwise those would sit idle while
     * borrowers time out.
     */
    private void closeAnIdleConnectionElsewhere(EventLoop loop, PoolKey key) {
        for (LoopIdle idle : idleByLoop.values()) {
            if (idle.size() > 0) {
                idle.loop.execute(idle::closeOldest);
                return;
            }
        }
    }

    /** A slot was freed: let the longest waiter open a connection in it. */
    private void freed() {
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
            BackendConnection idle = loopIdle(waiter.loop).take(waiter.key, waiter.login.database(), waiter.anySchema);
            if (idle != null) {
                waiter.timeout.cancel(false);
                if (!waiter.promise.trySuccess(idle)) {
                    release(idle);
                }
                // The slot this waiter was woken for is still free: the next waiter may use it.
                if (open.get() < settings.maxConnections()) {
                    wakeOne();
                }
            } else if (reserve()) {
                waiter.timeout.cancel(false);
                open(waiter.loop, waiter.login, waiter.promise);
            } else {
                // A borrower who found no one waiting (this waiter was out of the queue a moment)
                // took the slot: stay first in line, and if the pool is full of idle connections
                // this waiter cannot use, close one, or nothing may free a slot before its timeout.
                waiters.addFirst(waiter);
                closeAnIdleConnectionElsewhere(waiter.loop, waiter.key);
            }
        });
    }

    /**
     * A clean connection is free again. The longest waiter gets it if it can use it (same loop and
     * user); if it cannot, the connection is closed so that the waiter can open one in the freed
     * slot. First come, first served: no waiter is overtaken.
     */
    private void returned(EventLoop loop, BackendConnection connection, PoolKey key) {
        Waiter head;
        while ((head = waiters.peekFirst()) != null && head.promise.isDone()) {
            waiters.remove(head);
        }
        if (retired) {
            connection.close();
            return;
        }
        if (head == null) {
            loopIdle(loop).put(key, connection);
            return;
        }
        if (head.loop == loop && head.key.equals(key) && waiters.remove(head)) {
            head.timeout.cancel(false);
            if (head.promise.trySuccess(connection)) {
                return;
            }
        }
        connection.close();
    }

    private LoopIdle loopIdle(EventLoop loop) {
        return idleByLoop.computeIfAbsent(loop, LoopIdle::new);
    }

    /** Resets a returned connection with COM_RESET_CONNECTION, bounded by the reset timeout. */
    private final class Reset implements ResponseSink {
        private final BackendConnection connection;
        private final PoolKey key;
        private ScheduledFuture<?> timeout;
        private boolean done;

        Reset(BackendConnection connection) {
            this.connection = connection;
            this.key = PoolKey.of(connection.login());
        }

        void start() {
            connection.attach(this);
            connection.beginCommand(CommandType.RESET_CONNECTION);
            connection.write(StmtCommands.command(connection.channel().alloc(), CommandType.RESET_CONNECTION,
                    new byte[0]));
            connection.flush();
            timeout = connection.channel().eventLoop().schedule(() -> fail("no answer to COM_RESET_CONNECTION"),
                    settings.resetTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void forward(ByteBuf bytes, int lastSequenceId) {
            bytes.release();
        }

        @Override
        public void responseComplete(int status) {
            if (done) {
                return;
            }
            done = true;
            timeout.cancel(false);
            if (connection.lastResponseFailed()) {
                log.debug("{}: COM_RESET_CONNECTION failed; closing it", connection);
                connection.close();
                return;
            }
            connection.detach();
            connection.collation(BackendConnection.SERVER_DEFAULT_COLLATION);
            returned(connection.channel().eventLoop(), connection, key);
        }

        private void fail(String reason) {
            if (!done) {
                done = true;
                log.debug("{}: {}; closing it", connection, reason);
                connection.close();
            }
        }

        @Override
        public void localInfileRequested() {
            fail("unexpected LOCAL INFILE request");
        }


        @Override
        public void backendFailed(String reason, Throwable cause) {
            fail(reason);
        }
    }

    /** One loop's idle connections by key, newest last; touched only on that loop (or at close). */
    private final class LoopIdle {
        private final EventLoop loop;
        private final Map<PoolKey, ArrayDeque<Idle>> byKey = new HashMap<>();
        /** Idle connections on this loop; read from other threads. */
        private final AtomicInteger size = new AtomicInteger();
        private ScheduledFuture<?> eviction;

        LoopIdle(EventLoop loop) {
            this.loop = loop;
        }

        /** The newest idle connection for {@code key} on {@code schema}, else (if allowed and a schema is wanted) any. */
        BackendConnection take(PoolKey key, String schema, boolean anySchema) {
            ArrayDeque<Idle> idle = byKey.get(key);
            if (idle == null || idle.isEmpty()) {
                return null;
            }
            Idle chosen = null;
            for (Iterator<Idle> it = idle.descendingIterator(); it.hasNext(); ) {
                Idle candidate = it.next();
                if (Objects.equals(candidate.connection.schema(), schema)) {
                    chosen = candidate;
                    break;
                }
            }
            // A session without a schema cannot "unselect" one, so it only takes schema-less connections.
            if (chosen == null && schema != null && anySchema) {
                chosen = idle.peekLast();
            }
            if (chosen == null) {
                return null;
            }
            idle.remove(chosen);
            idleCount.decrementAndGet();
            size.decrementAndGet();
            return chosen.connection;
        }

        void put(PoolKey key, BackendConnection connection) {
            byKey.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(new Idle(connection, System.nanoTime()));
            idleCount.incrementAndGet();
            size.incrementAndGet();
            if (eviction == null) {
                long period = Math.max(TimeUnit.SECONDS.toNanos(1), settings.idleTimeout().toNanos() / 4);
                eviction = loop.scheduleAtFixedRate(this::evict, period, period, TimeUnit.NANOSECONDS);
            }
        }

        void remove(BackendConnection connection) {
            if (!loop.inEventLoop()) {
                loop.execute(() -> remove(connection));
                return;
            }
            for (ArrayDeque<Idle> idle : byKey.values()) {
                if (idle.removeIf(entry -> entry.connection == connection)) {
                    idleCount.decrementAndGet();
                    size.decrementAndGet();
                    return;
                }
            }
        }

        private void evict() {
            long oldest = System.nanoTime() - settings.idleTimeout().toNanos();
            for (ArrayDeque<Idle> idle : byKey.values()) {
                while (!idle.isEmpty() && idle.peekFirst().since - oldest < 0) {
                    Idle entry = idle.pollFirst();
                    idleCount.decrementAndGet();
                    size.decrementAndGet();
                    entry.connection.close();
                }
            }
        }

        int size() {
            return size.get();
        }

        /** The pool is retired: every idle connection closes and eviction stops. */
        void closeAll() {
            for (ArrayDeque<Idle> idle : byKey.values()) {
                for (Idle entry : idle) {
                    idleCount.decrementAndGet();
                    size.decrementAndGet();
                    entry.connection.close();
                }
                idle.clear();
            }
            if (eviction != null) {
                eviction.cancel(false);
            }
        }

        /** Closes the longest-idle connection of any key (its close frees a slot for a waiter). */
        void closeOldest() {
            ArrayDeque<Idle> from = null;
            for (ArrayDeque<Idle> idle : byKey.values()) {
                if (!idle.isEmpty() && (from == null || idle.peekFirst().since - from.peekFirst().since < 0)) {
                    from = idle;
                }
            }
            if (from != null) {
                Idle entry = from.pollFirst();
                idleCount.decrementAndGet();
                size.decrementAndGet();
                entry.connection.close();
            }
        }
    }

    private record Idle(BackendConnection connection, long since) {
    }

    private static final class Waiter {
        final EventLoop loop;
        final BackendLogin login;
        final PoolKey key;
        final boolean anySchema;
        final Promise<BackendConnection> promise;
        ScheduledFuture<?> timeout;

        Waiter(EventLoop loop, BackendLogin login, PoolKey key, boolean anySchema, Promise<BackendConnection> promise) {
            this.loop = loop;
            this.login = login;
            this.key = key;
            this.anySchema = anySchema;
            this.promise = promise;
        }
    }

    @Override
    public String toString() {
        return "pool of " + backend + " (" + open.get() + " open, " + idleCount.get() + " idle)";
    }
}

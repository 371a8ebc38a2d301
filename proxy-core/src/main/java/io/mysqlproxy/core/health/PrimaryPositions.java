package io.mysqlproxy.core.health;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The primary's GTID position for global consistency, asked once for many reads of all sessions. A
 * read asks {@link #after}; one lookup at a time runs on a thread of its own (never an event loop),
 * and it serves exactly the reads that asked before it started: they are taken from the queue as
 * it starts, so a commit the primary made before any of them arrived is in its answer. Reads that
 * ask while a lookup is in flight wait for the next one: a lookup that started before a read arrived
 * might miss a commit that read must see. Lookups start at least {@code interval} apart
 * (routing.consistency-lookup-interval), the reads that arrive in between joining the next one, so
 * under load the primary sees at most one lookup per interval, not one per read.
 *
 * <p>Each read's promise belongs to its session's event loop, where its listeners run; it fails with
 * a {@link TimeoutException} when no lookup answered within the read's timeout, so a slow or stuck
 * primary never holds a read longer than that.
 */
public final class PrimaryPositions implements AutoCloseable {

    /** Reads the primary's current GTID position; blocking, called on the lookup thread only. */
    public interface Source extends AutoCloseable {
        String read() throws Exception;

        @Override
        void close();
    }

    /** Hears how each lookup went, for the metrics. */
    public interface Listener {
        /** A lookup answered {@code reads} reads. */
        void lookedUp(int reads);

        /** A lookup failed; {@code reads} reads go to the primary. */
        void failed(int reads);
    }

    private final Source source;
    private final Executor executor;
    private final Supplier<Duration> interval;
    private final Listener listener;
    private final Object lock = new Object();
    /** Reads that asked since the last lookup started. */
    private List<Promise<String>> waiting = new ArrayList<>();
    /** Whether a lookup is running or about to: then it takes {@link #waiting} itself when it ends. */
    private boolean looking;

    private boolean closed;
    /** When the last lookup started (System.nanoTime()), or 0 before the first; the lookup thread's only. */
    private long lastStart;

    /** Lookups run on {@code executor}, one at a time, starting at least {@code interval} (the one in force) apart. */
    public PrimaryPositions(Source source, Executor executor, Supplier<Duration> interval, Listener listener) {
        this.source = source;
        this.executor = executor;
        this.interval = interval;
        this.listener = listener;
    }

    /** Lookups run on a thread of their own, started when first needed and ended after a minute without reads. */
    public static PrimaryPositions start(Source source, Supplier<Duration> interval, Listener listener) {
        ExecutorService thread = new ThreadPoolExecutor(0, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "mysql-proxy-primary-position");
            t.setDaemon(true);
            return t;
        });
        return new PrimaryPositions(source, thread, interval, listener);
    }

    /**
     * The primary's position as of a lookup that starts after this call, completed on {@code loop};
     * failed when the lookup fails or none answers within {@code timeout}.
     */
    public Future<String> after(EventExecutor loop, Duration timeout) {
        Promise<String> position = loop.newPromise();
        ScheduledFuture<?> expiry = loop.schedule(
                () -> {
                    // A read that gave up leaves the queue: while lookups fail slowly the queue stays bounded.
                    synchronized (lock) {
                        waiting.remove(position);
                    }
                    position.tryFailure(new TimeoutException(
                            "the primary's GTID position was not read within " + timeout.toMillis() + " ms"));
                },
                timeout.toNanos(),
                TimeUnit.NANOSECONDS);
        position.addListener(done -> expiry.cancel(false));
        boolean startLookup;
        synchronized (lock) {
            if (closed) {
                position.tryFailure(new IllegalStateException("the proxy is closing"));
                return position;
            }
            waiting.add(position);
            startLookup = !looking;
            looking = true;
        }
        if (startLookup) {
            try {
                executor.execute(this::lookUp);
            } catch (RejectedExecutionException e) {
                failAll(e);
            }
        }
        return position;
    }

    /**
     * Runs lookups while reads wait for one; each serves the reads that asked before it started. Whatever
     * a lookup throws (a driver's Error too) fails its reads, and the loop never ends with {@link #looking}
     * still set: that would leave every later read waiting for a lookup that never comes.
     */
    private void lookUp() {
        boolean ended = false;
        try {
            runLookups();
            ended = true;
        } finally {
            if (!ended) {
                restartAfterThrow();
            }
        }
    }

    private void runLookups() {
        while (true) {
            // Before the batch is taken: the reads that arrive during the pause are served by this lookup.
            pauseForInterval();
            List<Promise<String>> batch;
            synchronized (lock) {
                if (waiting.isEmpty() || closed) {
                    looking = false;
                    return;
                }
                batch = waiting;
                waiting = new ArrayList<>();
            }
            lastStart = System.nanoTime();
            try {
                String position = source.read();
                listener.lookedUp(batch.size());
                batch.forEach(read -> read.trySuccess(position));
            } catch (Throwable e) {
                batch.forEach(read -> read.tryFailure(e));
                listener.failed(batch.size());
                if (e instanceof VirtualMachineError fatal) {
                    throw fatal;
                }
            }
        }
    }

    /** The lookup loop ended by a throw: reads that asked meanwhile get a new one, on a new task. */
    private void restartAfterThrow() {
        boolean again;
        synchronized (lock) {
            again = !waiting.isEmpty() && !closed;
            looking = again;
        }
        if (again) {
            try {
                executor.execute(this::lookUp);
            } catch (RejectedExecutionException e) {
                failAll(e);
            }
        }
    }

    /** Waits, on the lookup thread, until the interval since the last lookup's start has passed. */
    private void pauseForInterval() {
        if (lastStart == 0) {
            return;
        }
        long due = lastStart + interval.get().toNanos();
        for (long left = due - System.nanoTime(); left > 0 && !isClosed(); left = due - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    private void failAll(Exception cause) {
        List<Promise<String>> batch;
        synchronized (lock) {
            batch = waiting;
            waiting = new ArrayList<>();
            looking = false;
        }
        batch.forEach(read -> read.tryFailure(cause));
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        failAll(new IllegalStateException("the proxy is closing"));
        // The source's connection is closed on the lookup thread, after a lookup in flight ends.
        try {
            executor.execute(source::close);
        } catch (RejectedExecutionException e) {
            source.close();
        }
        if (executor instanceof ExecutorService service) {
            service.shutdown();
        }
    }
}

package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.netty.channel.EventLoop;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;

/**
 * One event loop's borrowers waiting for a slot, first come first served ({@link PoolWaiters} keeps
 * one per loop). Touched from any thread; a waiter may be failed by its timer while it is still queued
 * (or briefly out of the queue), so whoever takes one out checks its promise before serving it.
 */
final class WaiterQueue {

    /** How many of the longest waiters a returned connection is offered to: a bounded walk per return. */
    static final int LOOK_AHEAD = 16;

    private final ConcurrentLinkedDeque<Waiter> waiters = new ConcurrentLinkedDeque<>();

    boolean isEmpty() {
        return waiters.isEmpty();
    }

    /** Joins the end of the line. */
    void add(Waiter waiter) {
        waiters.add(waiter);
    }

    /** Back to the head of the line: a waiter that was woken but lost its slot keeps its place. */
    void addFirst(Waiter waiter) {
        waiters.addFirst(waiter);
    }

    /** Takes {@code waiter} out; false if someone else already did. */
    boolean remove(Waiter waiter) {
        return waiters.remove(waiter);
    }

    /** The longest waiter still waiting (left in the queue), after dropping those already failed; or null. */
    Waiter firstPending() {
        Waiter head;
        while ((head = waiters.peekFirst()) != null && head.promise.isDone()) {
            waiters.remove(head);
        }
        return head;
    }

    /** The first of the {@link #LOOK_AHEAD} longest waiters still waiting that can take {@code connection} as it is, or null. */
    Waiter firstThatCanTake(EventLoop loop, PoolKey key, BackendConnection connection) {
        int looked = 0;
        for (Waiter waiter : waiters) {
            if (!waiter.promise.isDone() && waiter.canTake(loop, key, connection)) {
                return waiter;
            }
            if (++looked == LOOK_AHEAD) {
                return null;
            }
        }
        return null;
    }

    /** Empties the queue, failing every waiter with a fresh {@code cause}. */
    void failAll(Supplier<? extends Throwable> cause) {
        Waiter waiter;
        while ((waiter = waiters.pollFirst()) != null) {
            waiter.cancelTimeout();
            waiter.promise.tryFailure(cause.get());
        }
    }
}

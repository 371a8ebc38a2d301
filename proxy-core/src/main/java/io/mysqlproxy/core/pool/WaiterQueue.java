package io.mysqlproxy.core.pool;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;

/**
 * Borrowers waiting for a slot, first come first served. Shared by every event loop; a waiter may
 * be failed by its timer while it is still queued (or briefly out of the queue), so whoever takes
 * one out checks its promise before serving it.
 */
final class WaiterQueue {

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

    /** The longest waiter, taken out of the queue, or null. */
    Waiter poll() {
        return waiters.poll();
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

    /** Empties the queue, failing every waiter with a fresh {@code cause}. */
    void failAll(Supplier<? extends Throwable> cause) {
        Waiter waiter;
        while ((waiter = waiters.pollFirst()) != null) {
            waiter.cancelTimeout();
            waiter.promise.tryFailure(cause.get());
        }
    }
}

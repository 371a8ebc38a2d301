package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.netty.channel.EventLoop;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A pool's waiting borrowers, queued per event loop, and how many of its connections each loop holds.
 * A connection serves only sessions of the loop it was opened on, so a connection given back is
 * offered to its own loop's waiters only: those of other loops are never in its way. Slots move
 * between loops by closing, decided between the loop that holds a connection and a loop that waits:
 * a loop gives a connection up for a waiting loop that holds at least two fewer
 * ({@link #givesUpForAnotherLoop}), so the loops' counts settle within one of each other whatever
 * max-connections and the number of loops are, and a connection cannot go back and forth (after a
 * move the two differ by at most one). A loop with no borrower of its own waiting gives one up for
 * any waiting loop. A freed slot goes to the longest waiter of the waiting loops that hold fewest ({@link #poll}).
 *
 * <p>Touched from any thread: the queues are concurrent, the counts atomic; a waiter may be failed by
 * its timer while queued, so whoever takes one out checks its promise before serving it.
 */
final class PoolWaiters {

    /** One entry per loop that has borrowed from the pool (sessions are spread over loops round-robin). */
    private final Map<EventLoop, LoopWaiters> byLoop = new ConcurrentHashMap<>();

    /** Connections {@code loop} holds: borrowed, idle, being reset or being opened. */
    int open(EventLoop loop) {
        LoopWaiters of = byLoop.get(loop);
        return of == null ? 0 : of.open.get();
    }

    /** A slot was reserved for a connection on {@code loop}; {@link #closed} once it is given up. */
    void opened(EventLoop loop) {
        on(loop).open.incrementAndGet();
    }

    void closed(EventLoop loop) {
        on(loop).open.decrementAndGet();
    }

    /** Whether no borrower waits, on any loop. */
    boolean isEmpty() {
        for (LoopWaiters of : byLoop.values()) {
            if (!of.queue.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Joins the end of its loop's line. */
    void add(Waiter waiter) {
        on(waiter.loop).queue.add(waiter);
    }

    /** Back to the head of its loop's line: a waiter that was woken but lost its slot keeps its place. */
    void addFirst(Waiter waiter) {
        on(waiter.loop).queue.addFirst(waiter);
    }

    /** Takes {@code waiter} out; false if someone else already did. */
    boolean remove(Waiter waiter) {
        return on(waiter.loop).queue.remove(waiter);
    }

    /**
     * Takes out the first of the longest waiters of {@code loop} that can take {@code connection} as it is
     * ({@link WaiterQueue#firstThatCanTake}), or returns null.
     */
    Waiter takerFor(EventLoop loop, PoolKey key, BackendConnection connection) {
        WaiterQueue own = on(loop).queue;
        Waiter taker = own.firstThatCanTake(loop, key, connection);
        return taker != null && own.remove(taker) ? taker : null;
    }

    /**
     * Whether {@code loop} should give up a connection given back so that its slot goes to a borrower of
     * another loop: one waits there, and {@code loop} holds at least two more connections than that loop
     * (otherwise a loop that got most of the slots in a login storm would keep them for as long as its own
     * borrowers wait), or, when {@code evenAtPar}, has no borrower of its own waiting. Idle mode gives it up
     * at par: sessions hold connections for seconds there, so the other loop's borrower would wait long for
     * one of its own. Under transaction multiplexing connections come back every few milliseconds on every
     * loop, and a line empty for a moment would have the connection given up at one apart and given back at
     * the next return, a close and a login each way; it stays idle for its loop's next borrower instead.
     */
    boolean givesUpForAnotherLoop(EventLoop loop, boolean evenAtPar) {
        LoopWaiters own = on(loop);
        int held = own.open.get();
        boolean atPar = evenAtPar && own.queue.firstPending() == null;
        for (LoopWaiters other : byLoop.values()) {
            if (other != own && other.queue.firstPending() != null && (atPar || owes(held, other))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The loops that may close an idle connection so that a waiter of {@code waiterLoop} gets its slot: its
     * own (what is idle there is another user's or on another schema), one holding at least two more than
     * {@code waiterLoop}, or one with no borrower of its own waiting. Two loops within one of each other that
     * both wait do not trade connections at every burst: each trade costs a close and a login.
     */
    Predicate<EventLoop> mayGiveUpIdleFor(EventLoop waiterLoop) {
        return loop -> {
            LoopWaiters of = on(loop);
            return loop == waiterLoop || owes(of.open.get(), on(waiterLoop)) || of.queue.firstPending() == null;
        };
    }

    /** The longest waiter of {@code loop} still waiting (left in its queue), or null. */
    Waiter longestPending(EventLoop loop) {
        return on(loop).queue.firstPending();
    }

    /** The longest waiter still waiting, on any loop (left in its queue), or null. */
    Waiter longestPending() {
        Waiter longest = null;
        for (LoopWaiters of : byLoop.values()) {
            Waiter head = of.queue.firstPending();
            if (head != null && (longest == null || head.waitedLonger(longest))) {
                longest = head;
            }
        }
        return longest;
    }

    /**
     * Takes out the waiter a freed slot goes to, or returns null: the longest waiter of the waiting loops
     * that hold fewest. Given to a loop holding more, the slot would leave a waiting loop two short, and
     * the next connection given back there would be closed for it again (see {@link
     * #givesUpForAnotherLoop}). Few loops: two walks over their heads.
     */
    Waiter poll() {
        while (true) {
            int fewest = Integer.MAX_VALUE;
            for (LoopWaiters of : byLoop.values()) {
                if (of.queue.firstPending() != null) {
                    fewest = Math.min(fewest, of.open.get());
                }
            }
            LoopWaiters from = null;
            Waiter chosen = null;
            for (LoopWaiters of : byLoop.values()) {
                Waiter head = of.queue.firstPending();
                if (head != null && of.open.get() == fewest && (chosen == null || head.waitedLonger(chosen))) {
                    from = of;
                    chosen = head;
                }
            }
            if (chosen == null) {
                return null;
            }
            // Another thread may have taken it out meanwhile (a return on its loop, its timer): look again.
            if (from.queue.remove(chosen)) {
                return chosen;
            }
        }
    }

    /** Empties every loop's queue, failing each waiter with a fresh {@code cause}. */
    void failAll(Supplier<? extends Throwable> cause) {
        for (LoopWaiters of : byLoop.values()) {
            of.queue.failAll(cause);
        }
    }

    /** Whether a loop holding {@code held} connections owes {@code waiting} one: it holds at least two more. */
    private static boolean owes(int held, LoopWaiters waiting) {
        return held >= waiting.open.get() + 2;
    }

    private LoopWaiters on(EventLoop loop) {
        return byLoop.computeIfAbsent(loop, l -> new LoopWaiters(new WaiterQueue(), new AtomicInteger()));
    }

    /** One loop's line of waiters and the connections it holds. */
    private record LoopWaiters(WaiterQueue queue, AtomicInteger open) {}
}

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
 * between loops by closing: each loop that borrows from the pool has a fair share of
 * max-connections ({@link #share}); a loop above it gives a connection up while another loop's
 * borrower waits ({@link #overShareWhileOthersWait}), and a freed slot goes to the longest waiter of
 * a loop below its share before the others ({@link #poll}).
 *
 * <p>Touched from any thread: the queues are concurrent, the counts atomic; a waiter may be failed by
 * its timer while queued, so whoever takes one out checks its promise before serving it.
 */
final class PoolWaiters {

    private final int maxConnections;
    /** One entry per loop that has borrowed from the pool (sessions are spread over loops round-robin). */
    private final Map<EventLoop, LoopWaiters> byLoop = new ConcurrentHashMap<>();

    PoolWaiters(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** {@code loop} borrows from the pool: from now on it counts among the loops that share it. */
    void joined(EventLoop loop) {
        on(loop);
    }

    /** Max-connections divided among the loops that borrow from the pool, rounded up. */
    int share() {
        int loops = Math.max(1, byLoop.size());
        return (maxConnections + loops - 1) / loops;
    }

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
     * Whether {@code loop} holds more than its share while a borrower of another loop waits (of a loop below
     * its share, if {@code belowShareOnly}): a connection given back there is then closed, and its slot goes
     * to that borrower, so that the loops' counts move toward their shares. Otherwise a loop that got most
     * of the slots in a login storm would keep them for as long as its own borrowers wait.
     */
    boolean overShareWhileOthersWait(EventLoop loop, boolean belowShareOnly) {
        LoopWaiters own = on(loop);
        int share = share();
        if (own.open.get() <= share) {
            return false;
        }
        for (LoopWaiters other : byLoop.values()) {
            if (other != own && (!belowShareOnly || other.open.get() < share) && other.queue.firstPending() != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * The loops that may close an idle connection so that a waiter of {@code waiterLoop} gets its slot: its
     * own (what is idle there is another user's or on another schema), one above its share, or any while
     * {@code waiterLoop} is below its share. Two loops at their share do not trade connections at every
     * burst of one of them: each trade costs a close and a login.
     */
    Predicate<EventLoop> mayGiveUpIdleFor(EventLoop waiterLoop) {
        return loop -> {
            int share = share();
            return loop == waiterLoop || open(loop) > share || open(waiterLoop) < share;
        };
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
     * Takes out the waiter a freed slot goes to, or returns null: the longest waiter of the loops below
     * their share, or if none of them waits, the longest of all. Few loops: a walk over their heads.
     */
    Waiter poll() {
        while (true) {
            int share = share();
            LoopWaiters from = null;
            Waiter chosen = null;
            boolean chosenBelowShare = false;
            for (LoopWaiters of : byLoop.values()) {
                Waiter head = of.queue.firstPending();
                if (head == null) {
                    continue;
                }
                boolean belowShare = of.open.get() < share;
                if (chosen == null
                        || belowShare && !chosenBelowShare
                        || belowShare == chosenBelowShare && head.waitedLonger(chosen)) {
                    from = of;
                    chosen = head;
                    chosenBelowShare = belowShare;
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

    private LoopWaiters on(EventLoop loop) {
        return byLoop.computeIfAbsent(loop, l -> new LoopWaiters(new WaiterQueue(), new AtomicInteger()));
    }

    /** One loop's line of waiters and the connections it holds. */
    private record LoopWaiters(WaiterQueue queue, AtomicInteger open) {}
}

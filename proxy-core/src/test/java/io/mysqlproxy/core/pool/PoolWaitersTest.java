package io.mysqlproxy.core.pool;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.pool.PoolLogins.APP;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a loop gives a connection up for another loop's waiter, and which waiter a freed slot goes to. */
class PoolWaitersTest {

    private final EventLoop loopA = new DefaultEventLoop();
    private final EventLoop loopB = new DefaultEventLoop();
    private final EventLoop loopC = new DefaultEventLoop();
    private final EventLoop loopD = new DefaultEventLoop();
    private final PoolWaiters waiters = new PoolWaiters();

    @AfterEach
    void stop() {
        for (EventLoop loop : new EventLoop[] {loopA, loopB, loopC, loopD}) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aLoopGivesAConnectionUpForAWaitingLoopHoldingTwoFewerEvenWhileItsOwnBorrowersWait() {
        opened(loopA, 51);
        opened(loopB, 50);
        assertFalse(waiters.givesUpForAnotherLoop(loopA, false), "nobody waits");
        waiters.add(waiter(loopA));
        assertFalse(waiters.givesUpForAnotherLoop(loopA, false), "only its own loop waits");
        waiters.add(waiter(loopB));
        assertFalse(waiters.givesUpForAnotherLoop(loopA, false), "one more than loop B: a move would only swap them");
        waiters.closed(loopB);
        assertTrue(waiters.givesUpForAnotherLoop(loopA, false), "two more than loop B");
        assertFalse(waiters.givesUpForAnotherLoop(loopB, false));
    }

    /** 3 loops and 4 slots: a share rounded up (2) would leave loop C with none while A and B hold theirs. */
    @Test
    void loopsSettleWithinOneOfEachOtherWhenMaxConnectionsDoesNotDivideByTheLoops() {
        opened(loopA, 2);
        opened(loopB, 2);
        waiters.add(waiter(loopA));
        waiters.add(waiter(loopB));
        waiters.add(waiter(loopC));
        assertTrue(waiters.givesUpForAnotherLoop(loopA, false), "loop C holds none");
        waiters.closed(loopA);
        assertSame(loopC, waiters.poll().loop, "the freed slot goes to the loop holding fewest");
        waiters.opened(loopC);
        assertFalse(waiters.givesUpForAnotherLoop(loopA, false));
        assertFalse(waiters.givesUpForAnotherLoop(loopB, false), "2, 1, 1: settled");
    }

    /** 4 loops and 10 slots: a share rounded up (3) would leave loop D at 1 while the others hold 3. */
    @Test
    void aLoopAtTheRoundedUpShareStillGivesUpForALoopTwoBelowIt() {
        opened(loopA, 3);
        opened(loopB, 3);
        opened(loopC, 3);
        opened(loopD, 1);
        for (EventLoop loop : new EventLoop[] {loopA, loopB, loopC, loopD}) {
            waiters.add(waiter(loop));
        }
        assertTrue(waiters.givesUpForAnotherLoop(loopB, false));
        waiters.closed(loopB);
        assertSame(loopD, waiters.poll().loop);
        waiters.opened(loopD);
        assertFalse(waiters.givesUpForAnotherLoop(loopA, false), "3, 2, 3, 2: settled");
        assertFalse(waiters.givesUpForAnotherLoop(loopC, false));
    }

    @Test
    void aLoopWithoutWaitersOfItsOwnGivesUpForAnyWaitingLoop() {
        opened(loopA, 1);
        opened(loopB, 1);
        waiters.add(waiter(loopB));
        assertTrue(waiters.givesUpForAnotherLoop(loopA, true), "idle mode: at par");
        assertFalse(
                waiters.givesUpForAnotherLoop(loopA, false),
                "transaction multiplexing: at par it stays for loop A's next borrower");
        assertTrue(waiters.mayGiveUpIdleFor(loopB).test(loopA));
        waiters.add(waiter(loopA));
        assertFalse(waiters.mayGiveUpIdleFor(loopB).test(loopA), "both wait and hold as many: no trade");
        assertTrue(waiters.mayGiveUpIdleFor(loopB).test(loopB), "its own loop's idle connections");
        opened(loopA, 2);
        assertTrue(waiters.mayGiveUpIdleFor(loopB).test(loopA), "two more than loop B");
    }

    @Test
    void aFreedSlotGoesToTheLongestWaiterOfTheWaitingLoopsHoldingFewest() {
        opened(loopA, 50);
        opened(loopB, 50);
        opened(loopC, 10); // holds fewest, but nobody waits there
        Waiter firstOnA = waiter(loopA);
        Waiter secondOnA = waiter(loopA);
        Waiter thenOnB = waiter(loopB);
        waiters.add(firstOnA);
        waiters.add(secondOnA);
        waiters.add(thenOnB);

        assertSame(firstOnA, waiters.poll(), "both hold as many: the longest waiter");
        waiters.opened(loopA);
        assertSame(thenOnB, waiters.poll(), "loop B holds fewer, though loop A's waiter waited longer");
        assertSame(secondOnA, waiters.poll());
        assertNull(waiters.poll());
        assertTrue(waiters.isEmpty());
    }

    @Test
    void theLongestPendingWaiterSkipsThoseAlreadyFailed() {
        Waiter failed = waiter(loopB);
        Waiter onA = waiter(loopA);
        waiters.add(failed);
        waiters.add(onA);
        assertSame(failed, waiters.longestPending());

        failed.promise.setFailure(new IllegalStateException("timed out"));
        assertSame(onA, waiters.longestPending());
        assertFalse(waiters.remove(failed), "dropped from its queue");
    }

    private void opened(EventLoop loop, int connections) {
        for (int i = 0; i < connections; i++) {
            waiters.opened(loop);
        }
    }

    private static Waiter waiter(EventLoop loop) {
        return new Waiter(loop, APP, PoolKey.of(APP), false, IdlePreference.CLEAN_FIRST, loop.newPromise());
    }
}

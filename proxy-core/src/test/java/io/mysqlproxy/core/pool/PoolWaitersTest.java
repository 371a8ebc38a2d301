package io.mysqlproxy.core.pool;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.pool.PoolLogins.APP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each loop's share of max-connections, and which waiter a freed slot goes to. */
class PoolWaitersTest {

    private final EventLoop loopA = new DefaultEventLoop();
    private final EventLoop loopB = new DefaultEventLoop();
    private final EventLoop loopC = new DefaultEventLoop();
    private final PoolWaiters waiters = new PoolWaiters(100);

    @AfterEach
    void stop() {
        for (EventLoop loop : new EventLoop[] {loopA, loopB, loopC}) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void theShareIsMaxConnectionsAmongTheLoopsThatBorrowRoundedUp() {
        assertEquals(100, waiters.share());
        waiters.joined(loopA);
        waiters.joined(loopA);
        assertEquals(100, waiters.share());
        waiters.joined(loopB);
        assertEquals(50, waiters.share());
        waiters.joined(loopC);
        assertEquals(34, waiters.share());
    }

    @Test
    void aLoopIsOverItsShareOnlyAboveItAndOnlyWhileAnotherLoopWaits() {
        waiters.joined(loopB);
        opened(loopA, 51);
        assertFalse(waiters.overShareWhileOthersWait(loopA, false), "nobody waits");
        waiters.add(waiter(loopA));
        assertFalse(waiters.overShareWhileOthersWait(loopA, false), "only its own loop waits");
        waiters.add(waiter(loopB));
        assertTrue(waiters.overShareWhileOthersWait(loopA, false));
        assertTrue(waiters.overShareWhileOthersWait(loopA, true), "loop B holds none");
        waiters.closed(loopA);
        assertEquals(50, waiters.open(loopA));
        assertFalse(waiters.overShareWhileOthersWait(loopA, false), "at its share");
    }

    @Test
    void aWaitingLoopAtItsShareIsOwedNothingByALoopAboveIt() {
        PoolWaiters threeLoops = new PoolWaiters(90); // a share of 30 each
        for (int i = 0; i < 40; i++) {
            threeLoops.opened(loopA);
        }
        for (int i = 0; i < 30; i++) {
            threeLoops.opened(loopB);
        }
        threeLoops.joined(loopC);
        threeLoops.add(waiter(loopB));
        assertFalse(threeLoops.overShareWhileOthersWait(loopA, true), "loop B is at its share");
        assertTrue(threeLoops.overShareWhileOthersWait(loopA, false));
        threeLoops.add(waiter(loopC));
        assertTrue(threeLoops.overShareWhileOthersWait(loopA, true), "loop C holds none");
    }

    @Test
    void aFreedSlotGoesToTheLongestWaiterOfTheLoopsBelowTheirShareThenToTheLongestOfAll() {
        opened(loopA, 50);
        opened(loopB, 50);
        Waiter firstOnA = waiter(loopA);
        Waiter thenOnB = waiter(loopB);
        Waiter thenOnA = waiter(loopA);
        waiters.add(firstOnA);
        waiters.add(thenOnB);
        waiters.add(thenOnA);

        assertSame(firstOnA, waiters.poll(), "both at their share: the longest waiter");
        waiters.closed(loopB);
        assertSame(thenOnB, waiters.poll(), "loop B is below its share");
        assertSame(thenOnA, waiters.poll());
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

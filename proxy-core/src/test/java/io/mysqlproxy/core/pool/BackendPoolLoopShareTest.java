package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.pool.PoolLogins.APP;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Waiting per event loop: a connection given back goes to a waiter of its own loop however many of
 * another loop wait before it, and slots move between loops toward each loop's fair share of
 * max-connections. The borrow timeout is long (a starving waiter would get a slot only after 7.5 s),
 * so every hand-over here is the share's doing, within the 5 s the tests wait.
 */
class BackendPoolLoopShareTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private FakeMySqlServer server;
    private EventLoopGroup loops;
    private EventLoop loopA;
    private EventLoop loopB;
    private BackendPool pool;

    @BeforeEach
    void start() throws InterruptedException {
        server = new FakeMySqlServer();
        loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        loopA = loops.next();
        loopB = loops.next();
        assertNotSame(loopA, loopB);
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.retire();
        }
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        server.close();
    }

    private void pool(int maxConnections) {
        BackendConnector connector =
                new BackendConnector(() -> NioSocketChannel.class, Duration.ofSeconds(5), Duration.ofSeconds(5));
        Backend backend = new Backend(server.address(), BackendRole.REPLICA, "replica-1");
        pool = new BackendPool(backend, connector, new PoolSettings(maxConnections, LONG, LONG, LONG));
    }

    @Test
    void aConnectionReturnedGoesToAWaiterOfItsLoopBehindMoreThanTheLookAheadOfAnotherLoops() throws Exception {
        pool(2);
        BackendConnection onA = borrowNow(loopA, APP);
        borrowNow(loopB, APP);
        List<Future<BackendConnection>> onB = new ArrayList<>();
        for (int i = 0; i <= WaiterQueue.LOOK_AHEAD; i++) {
            onB.add(borrow(loopB, APP));
        }
        Future<BackendConnection> alsoOnA = borrow(loopA, APP);

        release(onA);
        assertSame(onA, alsoOnA.get(5, TimeUnit.SECONDS));
        assertEquals(2, server.logins(), "no close and new login");
        assertTrue(onB.stream().noneMatch(Future::isDone), "loop B's waiters wait for loop B's connections");
        assertEquals(18, pool.waits());
    }

    @Test
    void aLoopAboveItsShareClosesAConnectionNoneOfItsWaitersCanTakeForAWaiterOfAnotherLoop() throws Exception {
        pool(2);
        BackendConnection first = borrowNow(loopA, APP);
        borrowNow(loopA, APP);
        Future<BackendConnection> onB = borrow(loopB, APP); // loop B joins: each loop's share is now 1

        release(first);
        BackendConnection opened = onB.get(5, TimeUnit.SECONDS);
        assertSame(loopB, opened.channel().eventLoop());
        assertTrue(first.channel().closeFuture().await(5, TimeUnit.SECONDS), "loop A gave its second slot up");
        assertEquals(3, server.logins());
        assertEquals(0, pool.idleConnections());
        assertEquals(0, pool.timeouts());
    }

    /** A login storm may give one loop every slot: it gives them up down to its share, its own waiters or not. */
    @Test
    void aLoopAboveItsShareGivesAConnectionUpForALoopBelowItEvenWhileItsOwnBorrowersWait() throws Exception {
        pool(2);
        BackendConnection first = borrowNow(loopA, APP);
        BackendConnection second = borrowNow(loopA, APP);
        Future<BackendConnection> onB = borrow(loopB, APP);
        Future<BackendConnection> alsoOnA = borrow(loopA, APP);

        release(first);
        BackendConnection opened = onB.get(5, TimeUnit.SECONDS);
        assertSame(loopB, opened.channel().eventLoop());
        assertTrue(first.channel().closeFuture().await(5, TimeUnit.SECONDS));
        assertFalse(alsoOnA.isDone(), "loop A's waiter waits for loop A's one connection");

        release(second); // loop A is at its share now: its own waiter gets it
        assertSame(second, alsoOnA.get(5, TimeUnit.SECONDS));
        assertEquals(3, server.logins());
    }

    @Test
    void aLoopAtItsShareKeepsAReturnedConnectionIdleForItsOwnBorrowers() throws Exception {
        pool(2);
        BackendConnection onA = borrowNow(loopA, APP);
        borrowNow(loopB, APP);
        Future<BackendConnection> onB = borrow(loopB, APP);

        release(onA);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);
        assertTrue(onA.isActive(), "one connection is loop A's share: not closed for loop B's waiter");
        assertFalse(onB.isDone());
        assertSame(onA, borrowNow(loopA, APP));
        assertEquals(2, server.logins());
    }

    @Test
    void twoLoopsAtTheirShareDoNotTradeAnIdleConnectionForAWaiter() throws Exception {
        pool(2);
        BackendConnection onA = borrowNow(loopA, APP);
        release(onA);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);
        borrowNow(loopB, APP);
        Future<BackendConnection> onB = borrow(loopB, APP);

        loopA.submit(() -> {}).get(5, TimeUnit.SECONDS); // after any close handed to loop A for the waiter
        assertTrue(onA.isActive(), "loop A is at its share: it keeps its idle connection");
        assertEquals(1, pool.idleConnections());
        assertFalse(onB.isDone());
        assertSame(onA, borrowNow(loopA, APP));
    }

    @Test
    void aFreedSlotGoesToAWaiterOfALoopBelowItsShareBeforeALongerWaiterOfALoopAboveIt() throws Exception {
        pool(3);
        BackendConnection first = borrowNow(loopA, APP);
        borrowNow(loopA, APP);
        borrowNow(loopA, APP);
        Future<BackendConnection> longerOnA = borrow(loopA, APP);
        Future<BackendConnection> onB = borrow(loopB, APP); // loop B joins: each loop's share is now 2

        loopA.submit(() -> pool.discard(first)).get(5, TimeUnit.SECONDS);
        BackendConnection opened = onB.get(5, TimeUnit.SECONDS);
        assertSame(loopB, opened.channel().eventLoop());
        assertFalse(longerOnA.isDone(), "loop A holds more than its share");
        assertEquals(3, pool.openConnections());
    }

    /** Borrows on {@code loop}, as sessions do; the future completes on that loop. */
    private Future<BackendConnection> borrow(EventLoop loop, BackendLogin login) throws Exception {
        return loop.submit(() -> pool.borrow(loop, login, false)).get(5, TimeUnit.SECONDS);
    }

    private BackendConnection borrowNow(EventLoop loop, BackendLogin login) throws Exception {
        return borrow(loop, login).get(5, TimeUnit.SECONDS);
    }

    private void release(BackendConnection connection) throws Exception {
        connection.channel().eventLoop().submit(() -> pool.release(connection)).get(5, TimeUnit.SECONDS);
    }
}

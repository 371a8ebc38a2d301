package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.ConnectionImprint;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.pool.PoolCalls.borrow;
import static io.mysqlproxy.core.pool.PoolCalls.borrowNow;
import static io.mysqlproxy.core.pool.PoolCalls.release;
import static io.mysqlproxy.core.pool.PoolLogins.APP;
import static io.mysqlproxy.core.pool.PoolLogins.OTHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Waiting per event loop: a connection given back goes to a waiter of its own loop however many of
 * another loop wait before it, and slots move from a loop to a waiting loop that holds two fewer, or
 * that another loop's idle connections would serve. The borrow timeout is long (a starving waiter would
 * get a slot only after 7.5 s), so every hand-over here is the balance's doing, within the 5 s the tests wait.
 */
class BackendPoolLoopShareTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private FakeMySqlServer server;
    private EventLoopGroup loops;
    private EventLoop loopA;
    private EventLoop loopB;
    private EventLoop loopC;
    private BackendPool pool;

    @BeforeEach
    void start() throws InterruptedException {
        server = new FakeMySqlServer();
        loops = new MultiThreadIoEventLoopGroup(3, NioIoHandler.newFactory());
        loopA = loops.next();
        loopB = loops.next();
        loopC = loops.next();
        assertNotSame(loopA, loopB);
        assertNotSame(loopB, loopC);
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
        pool(maxConnections, LONG);
    }

    private void pool(int maxConnections, Duration borrowTimeout) {
        BackendConnector connector =
                new BackendConnector(() -> NioSocketChannel.class, Duration.ofSeconds(5), Duration.ofSeconds(5));
        Backend backend = new Backend(server.address(), BackendRole.REPLICA, "replica-1");
        pool = new BackendPool(backend, connector, new PoolSettings(maxConnections, LONG, borrowTimeout, LONG));
    }

    @Test
    void aConnectionReturnedGoesToAWaiterOfItsLoopBehindMoreThanTheLookAheadOfAnotherLoops() throws Exception {
        pool(2);
        BackendConnection onA = borrowNow(pool, loopA, APP);
        borrowNow(pool, loopB, APP);
        List<Future<BackendConnection>> onB = new ArrayList<>();
        for (int i = 0; i <= WaiterQueue.LOOK_AHEAD; i++) {
            onB.add(borrow(pool, loopB, APP));
        }
        Future<BackendConnection> alsoOnA = borrow(pool, loopA, APP);

        release(pool, onA);
        assertSame(onA, alsoOnA.get(5, TimeUnit.SECONDS));
        assertEquals(2, server.logins(), "no close and new login");
        assertTrue(onB.stream().noneMatch(Future::isDone), "loop B's waiters wait for loop B's connections");
        assertEquals(18, pool.waits());
    }

    @Test
    void aLoopWithoutWaitersOfItsOwnGivesAReturnedConnectionUpWithoutResettingIt() throws Exception {
        pool(2);
        BackendConnection first = borrowNow(pool, loopA, APP);
        borrowNow(pool, loopB, APP);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);

        release(pool, first);
        BackendConnection opened = onB.get(5, TimeUnit.SECONDS);
        assertSame(loopB, opened.channel().eventLoop());
        assertTrue(first.channel().closeFuture().await(5, TimeUnit.SECONDS), "loop A gave its slot up");
        assertEquals(0, server.resets(), "closed before a reset it would not need");
        assertEquals(3, server.logins());
        assertEquals(0, pool.idleConnections());
        assertEquals(0, pool.timeouts());
    }

    /** Under transaction multiplexing connections come back at once: a loop at par keeps one for its next borrower. */
    @Test
    void underTransactionMultiplexingALoopAtParKeepsAConnectionGivenBack() throws Exception {
        pool(2);
        BackendConnection first = borrowNow(pool, loopA, APP);
        borrowNow(pool, loopB, APP);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);

        loopA.submit(() -> {
                    first.imprint(new ConnectionImprint("session 1", List.of(), 0, new int[0], null));
                    pool.release(first);
                })
                .get(5, TimeUnit.SECONDS);
        assertTrue(first.isActive(), "no close and login for a line empty a moment");
        assertEquals(1, pool.idleConnections());
        assertFalse(onB.isDone(), "loop B's borrower waits for loop B's connection");
        assertSame(first, borrowNow(pool, loopA, APP), "loop A's next borrower takes it");
        assertEquals(2, server.logins());
    }

    /** A login storm may give one loop every slot: it gives them up for a loop two below, its own waiters or not. */
    @Test
    void aLoopGivesAConnectionUpForALoopHoldingTwoFewerEvenWhileItsOwnBorrowersWait() throws Exception {
        pool(2);
        BackendConnection first = borrowNow(pool, loopA, APP);
        BackendConnection second = borrowNow(pool, loopA, APP);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);
        Future<BackendConnection> alsoOnA = borrow(pool, loopA, APP);

        release(pool, first);
        BackendConnection opened = onB.get(5, TimeUnit.SECONDS);
        assertSame(loopB, opened.channel().eventLoop());
        assertTrue(first.channel().closeFuture().await(5, TimeUnit.SECONDS));
        assertFalse(alsoOnA.isDone(), "loop A's waiter waits for loop A's one connection");
        assertEquals(0, server.resets());

        release(pool, second); // each loop holds one now: loop A's own waiter gets it
        assertSame(second, alsoOnA.get(5, TimeUnit.SECONDS));
        assertEquals(3, server.logins());
    }

    /** 3 loops, 4 slots: a share rounded up (2) would keep loop C at none while A and B hold theirs. */
    @Test
    void withThreeLoopsAndFourSlotsALoopHoldingTwoGivesOneUpForALoopHoldingNone() throws Exception {
        pool(4);
        BackendConnection first = borrowNow(pool, loopA, APP);
        borrowNow(pool, loopA, APP);
        borrowNow(pool, loopB, APP);
        borrowNow(pool, loopB, APP);
        Future<BackendConnection> alsoOnA = borrow(pool, loopA, APP);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);
        Future<BackendConnection> onC = borrow(pool, loopC, APP);

        release(pool, first);
        BackendConnection opened = onC.get(5, TimeUnit.SECONDS);
        assertSame(loopC, opened.channel().eventLoop());
        assertTrue(first.channel().closeFuture().await(5, TimeUnit.SECONDS));
        assertFalse(alsoOnA.isDone());
        assertFalse(onB.isDone());
        assertEquals(4, pool.openConnections());
    }

    @Test
    void aLoopWhoseOwnBorrowersWaitKeepsAReturnedConnectionTheyCannotTakeIdle() throws Exception {
        pool(2);
        BackendConnection onA = borrowNow(pool, loopA, APP);
        borrowNow(pool, loopB, APP);
        Future<BackendConnection> otherOnA = borrow(pool, loopA, OTHER);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);

        release(pool, onA);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);
        assertTrue(onA.isActive(), "loop A holds as many as loop B and has its own waiter");
        assertFalse(onB.isDone());
        assertFalse(otherOnA.isDone(), "it waits until it starves");
        assertSame(onA, borrowNow(pool, loopA, APP));
        assertEquals(2, server.logins());
    }

    @Test
    void anIdleConnectionOfALoopWithoutWaitersIsClosedAtOnceForAnotherLoopsWaiter() throws Exception {
        pool(2);
        BackendConnection onA = borrowNow(pool, loopA, APP);
        release(pool, onA);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);
        borrowNow(pool, loopB, APP);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);

        BackendConnection opened = onB.get(5, TimeUnit.SECONDS);
        assertSame(loopB, opened.channel().eventLoop());
        assertTrue(onA.channel().closeFuture().await(5, TimeUnit.SECONDS));
        assertEquals(0, pool.timeouts());
    }

    @Test
    void twoWaitingLoopsHoldingAsManyDoNotTradeAnIdleConnection() throws Exception {
        pool(2);
        BackendConnection onA = borrowNow(pool, loopA, APP);
        borrowNow(pool, loopB, APP);
        Future<BackendConnection> otherOnA = borrow(pool, loopA, OTHER);
        release(pool, onA); // loop A's waiter cannot take it: idle
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);

        loopA.submit(() -> {}).get(5, TimeUnit.SECONDS); // after any close handed to loop A for the waiter
        assertTrue(onA.isActive(), "loop A waits too and holds no more than loop B: it keeps its idle connection");
        assertEquals(1, pool.idleConnections());
        assertFalse(onB.isDone());
        assertFalse(otherOnA.isDone());
        assertSame(onA, borrowNow(pool, loopA, APP));
    }

    @Test
    void aFreedSlotGoesToAWaiterOfTheLoopHoldingFewestBeforeALongerWaiterOfALoopHoldingMore() throws Exception {
        pool(3);
        BackendConnection first = borrowNow(pool, loopA, APP);
        borrowNow(pool, loopA, APP);
        borrowNow(pool, loopA, APP);
        Future<BackendConnection> longerOnA = borrow(pool, loopA, APP);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);

        loopA.submit(() -> pool.discard(first)).get(5, TimeUnit.SECONDS);
        BackendConnection opened = onB.get(5, TimeUnit.SECONDS);
        assertSame(loopB, opened.channel().eventLoop());
        assertFalse(longerOnA.isDone(), "loop A holds more");
        assertEquals(3, pool.openConnections());
    }

    /**
     * A loop saturated with connections of one key: those given back would all go to its waiters of that key
     * behind a waiter of another key, which would time out. Once it starves, one is closed for it.
     */
    @Test
    void aStarvingWaiterOfAnotherKeyGetsTheSlotOfAConnectionGivenBackOnItsLoop() throws Exception {
        Duration borrowTimeout = Duration.ofSeconds(2);
        pool(1, borrowTimeout);
        BackendConnection app = borrowNow(pool, loopA, APP);
        Future<BackendConnection> other = borrow(pool, loopA, OTHER);
        Future<BackendConnection> moreApp = borrow(pool, loopA, APP);
        // A lower bound, not a race: the OTHER waiter starves after a quarter of the borrow timeout.
        Thread.sleep(borrowTimeout.toMillis() / 4 + 100);

        release(pool, app);
        BackendConnection opened = other.get(5, TimeUnit.SECONDS);
        assertEquals("other", opened.login().user());
        assertTrue(app.channel().closeFuture().await(5, TimeUnit.SECONDS));
        assertFalse(moreApp.isDone());
    }

    /** retire() empties the lines; a waiter wakeOne took out just before must fail too, not open a connection. */
    @Test
    void aWaiterTakenOutOfItsLineForAFreedSlotFailsWhenThePoolRetiresMeanwhile() throws Exception {
        pool(1);
        BackendConnection onA = borrowNow(pool, loopA, APP);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);
        CountDownLatch unblock = new CountDownLatch(1);
        loopB.execute(() -> {
            try {
                unblock.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        loopA.submit(() -> pool.discard(onA)).get(5, TimeUnit.SECONDS);
        // The slot is free: wakeOne has taken loop B's waiter out and queued its task behind the block.
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.openConnections() == 0);
        loopA.submit(() -> {}).get(5, TimeUnit.SECONDS); // after the close listener's wakeOne
        pool.retire();
        unblock.countDown();

        ExecutionException failed = assertThrows(ExecutionException.class, () -> onB.get(5, TimeUnit.SECONDS));
        assertTrue(
                failed.getCause().getMessage().contains("left the topology"),
                failed.getCause().getMessage());
        assertEquals(1, server.logins());
    }
}

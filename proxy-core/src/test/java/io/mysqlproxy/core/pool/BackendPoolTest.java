package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.pool.FakeMySqlServer.ResetAnswer;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.flag.MariaDbCapability;
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
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.pool.PoolCalls.borrow;
import static io.mysqlproxy.core.pool.PoolCalls.borrowNow;
import static io.mysqlproxy.core.pool.PoolCalls.release;
import static io.mysqlproxy.core.pool.PoolLogins.APP;
import static io.mysqlproxy.core.pool.PoolLogins.OTHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool against a fake MySQL server on loopback, through the real connector and handshake, on
 * two event loops. Waits are for conditions (futures, Awaitility), never for time.
 */
class BackendPoolTest {

    private static final Duration LONG = Duration.ofSeconds(30);
    /** app again, from a client that negotiated MariaDB's extended column metadata. */
    private static final BackendLogin APP_EXTENDED =
            PoolLogins.login("app", PoolLogins.CAPABILITIES, MariaDbCapability.EXTENDED_METADATA.mask());

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
        // Closes what tests left borrowed.
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        server.close();
    }

    private void pool(int maxConnections, Duration borrowTimeout, Duration resetTimeout) {
        BackendConnector connector =
                new BackendConnector(() -> NioSocketChannel.class, Duration.ofSeconds(5), Duration.ofSeconds(5));
        Backend backend = new Backend(server.address(), BackendRole.REPLICA, "replica-1");
        pool = new BackendPool(backend, connector, new PoolSettings(maxConnections, LONG, borrowTimeout, resetTimeout));
    }

    @Test
    void openConnectionsNeverExceedMaxConnections() throws Exception {
        pool(2, LONG, LONG);
        BackendConnection first = borrowNow(pool, loopA, APP);
        BackendConnection second = borrowNow(pool, loopB, APP);
        assertNotSame(first, second);
        Future<BackendConnection> third = borrow(pool, loopA, APP);

        // Nothing but a release (or the 30 s timeout) can complete it.
        assertFalse(third.isDone(), "the third borrower waits");
        assertEquals(2, pool.openConnections());
        assertEquals(2, server.logins());
        assertEquals(1, pool.waits());
        release(pool, first);
        assertSame(first, third.get(5, TimeUnit.SECONDS));
        assertEquals(2, server.logins());
    }

    @Test
    void borrowedConnectionsAreThoseLentNotThoseBeingReset() throws Exception {
        pool(2, LONG, LONG);
        server.resetAnswer(FakeMySqlServer.ResetAnswer.NOTHING); // the reset stays in progress
        BackendConnection first = borrowNow(pool, loopA, APP);
        borrowNow(pool, loopB, APP);
        // A borrow is counted by a listener on the loop, which may run just after the borrower wakes.
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.borrowedConnections() == 2);
        release(pool, first);
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.resets() == 1);
        assertEquals(1, pool.borrowedConnections(), "the one being reset is no session's");
        assertEquals(2, pool.openConnections());
        assertEquals(0, pool.idleConnections());
    }

    @Test
    void borrowerTimesOutWithTooManyConnections() throws Exception {
        pool(1, Duration.ofMillis(200), LONG);
        borrowNow(pool, loopA, APP);
        Future<BackendConnection> waiting = borrow(pool, loopA, APP);

        assertTrue(waiting.await(5, TimeUnit.SECONDS));
        BackendException failure = assertInstanceOf(BackendException.class, waiting.cause());
        assertEquals(ProxyErrors.poolExhausted("replica-1", 1, 200), failure.error());
        assertEquals(1, pool.waits());
        assertEquals(1, pool.timeouts());
        assertEquals(1, pool.openConnections());
    }

    @Test
    void releaseWakesTheWaiterWithTheResetConnection() throws Exception {
        pool(1, LONG, LONG);
        BackendConnection connection = borrowNow(pool, loopA, APP);
        Future<BackendConnection> waiting = borrow(pool, loopA, APP);

        release(pool, connection);
        assertSame(connection, waiting.get(5, TimeUnit.SECONDS));
        assertEquals(1, server.resets());
        assertEquals(1, server.logins());
        assertTrue(connection.isActive());
    }

    @Test
    void waitersAreServedFirstComeFirstServed() throws Exception {
        pool(1, LONG, LONG);
        BackendConnection connection = borrowNow(pool, loopA, APP);
        Future<BackendConnection> first = borrow(pool, loopA, APP);
        Future<BackendConnection> second = borrow(pool, loopA, APP);

        release(pool, connection);
        assertSame(connection, first.get(5, TimeUnit.SECONDS));
        assertFalse(second.isDone());
        release(pool, connection);
        assertSame(connection, second.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aLaterWaiterTheReturnedConnectionSuitsTakesItUntilTheFirstIsStarving() throws Exception {
        pool(1, Duration.ofSeconds(2), LONG);
        BackendConnection connection = borrowNow(pool, loopA, APP);
        Future<BackendConnection> firstOther = borrow(pool, loopA, OTHER);
        Future<BackendConnection> thenApp = borrow(pool, loopA, APP);

        // The connection is app's: the later app waiter gets it rather than it being closed for other.
        release(pool, connection);
        assertSame(connection, thenApp.get(5, TimeUnit.SECONDS));
        assertFalse(firstOther.isDone());

        // Once other has waited a quarter of the borrow timeout (500 ms), the next return is closed for it.
        Thread.sleep(600);
        release(pool, connection);
        assertEquals("other", firstOther.get(5, TimeUnit.SECONDS).login().user());
        await().atMost(5, TimeUnit.SECONDS).until(() -> !connection.isActive());
        assertEquals(2, server.logins());
    }

    @Test
    void aConnectionReturnedGoesToAWaiterOnItsLoopRatherThanClosedForOneOnAnother() throws Exception {
        pool(1, LONG, LONG);
        BackendConnection onA = borrowNow(pool, loopA, APP);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);
        Future<BackendConnection> alsoOnA = borrow(pool, loopA, APP);

        release(pool, onA);
        assertSame(onA, alsoOnA.get(5, TimeUnit.SECONDS));
        assertTrue(onA.isActive(), "no close, new login and replay");
        assertFalse(onB.isDone());
        assertEquals(1, server.logins());
    }

    @Test
    void aWaiterOnAnotherLoopGetsASlotOnceItHasWaitedAQuarterOfTheBorrowTimeout() throws Exception {
        pool(1, Duration.ofSeconds(2), LONG);
        BackendConnection onA = borrowNow(pool, loopA, APP);
        Future<BackendConnection> onB = borrow(pool, loopB, APP);

        release(pool, onA); // kept idle on loop A while the waiter on B is not starving
        BackendConnection opened = onB.get(5, TimeUnit.SECONDS);
        assertSame(loopB, opened.channel().eventLoop());
        await().atMost(5, TimeUnit.SECONDS).until(() -> !onA.isActive());
        assertEquals(0, pool.timeouts());
    }

    @Test
    void idleConnectionOfAnotherLoopIsClosedForAWaiter() throws Exception {
        pool(1, LONG, LONG);
        BackendConnection onA = borrowNow(pool, loopA, APP);
        release(pool, onA);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);

        BackendConnection onB = borrow(pool, loopB, APP).get(5, TimeUnit.SECONDS);
        assertNotSame(onA, onB);
        assertSame(loopB, onB.channel().eventLoop());
        assertFalse(onA.isActive());
        assertEquals(0, pool.idleConnections());
    }

    @Test
    void releasedConnectionIsResetAndReused() throws Exception {
        pool(2, LONG, LONG);
        BackendConnection connection = borrowNow(pool, loopA, APP);
        connection.collation(8);
        release(pool, connection);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);

        assertSame(connection, borrowNow(pool, loopA, APP));
        assertEquals(BackendConnection.SERVER_DEFAULT_COLLATION, connection.collation());
        assertEquals(1, server.resets());
        assertEquals(1, server.logins());
        assertEquals(0, pool.idleConnections());
    }

    /**
     * COM_RESET_CONNECTION keeps the schema: after a change the proxy did not follow (a USE inside a
     * multi-statement) the pool must not hand the connection out as being on the schema it knew.
     */
    @Test
    void aSchemaChangedUnseenIsUnknownAfterTheReset() throws Exception {
        pool(2, LONG, LONG);
        BackendLogin onApp = new BackendLogin(
                "app", "pw", AuthPlugin.MYSQL_NATIVE_PASSWORD, PoolLogins.CAPABILITIES, 0, 45, "app", null);
        BackendConnection changed = borrowNow(pool, loopA, onApp);
        loopA.submit(changed::schemaChangedUnseen).get(5, TimeUnit.SECONDS);
        assertTrue(changed.onSchema("app"), "the session that changed it keeps it as it is");
        release(pool, changed);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);

        BackendConnection login = borrowNow(pool, loopA, onApp);
        assertNotSame(changed, login, "a login wants a connection known to be on its schema");
        BackendConnection later = loopA.submit(() -> pool.borrow(loopA, onApp, true))
                .get(5, TimeUnit.SECONDS)
                .get(5, TimeUnit.SECONDS);
        assertSame(changed, later, "a borrower that selects its schema itself may take it");
        assertFalse(later.onSchema("app"));
        assertFalse(later.onSchema(null));
    }

    /**
     * Extended column metadata changes every column definition the server sends, so a connection
     * logged in with it serves only clients that negotiated it, and one without it only the others.
     */
    @Test
    void connectionsWithAndWithoutExtendedMetadataAreNeverShared() throws Exception {
        pool(2, LONG, LONG);
        BackendConnection plain = borrowNow(pool, loopA, APP);
        release(pool, plain);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);

        BackendConnection extended = borrowNow(pool, loopA, APP_EXTENDED);
        assertNotSame(plain, extended);
        assertEquals(2, server.logins());
        release(pool, extended);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 2);

        assertSame(extended, borrowNow(pool, loopA, APP_EXTENDED));
        assertSame(plain, borrowNow(pool, loopA, APP));
        assertEquals(2, server.logins());
    }

    @Test
    void resetAnsweredWithErrClosesTheConnection() throws Exception {
        server.resetAnswer(ResetAnswer.ERR);
        pool(2, LONG, LONG);
        BackendConnection connection = borrowNow(pool, loopA, APP);
        release(pool, connection);

        assertTrue(connection.channel().closeFuture().await(5, TimeUnit.SECONDS));
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.openConnections() == 0);
        assertEquals(0, pool.idleConnections());
        assertNotSame(connection, borrowNow(pool, loopA, APP));
        assertEquals(2, server.logins());
    }

    @Test
    void resetWithoutAnswerTimesOutAndClosesTheConnection() throws Exception {
        server.resetAnswer(ResetAnswer.NOTHING);
        pool(2, LONG, Duration.ofMillis(200));
        BackendConnection connection = borrowNow(pool, loopA, APP);
        release(pool, connection);

        assertTrue(connection.channel().closeFuture().await(5, TimeUnit.SECONDS));
        assertEquals(1, server.resets());
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.openConnections() == 0);
        assertEquals(0, pool.idleConnections());
    }

    @Test
    void connectionGivenBackMidResponseIsClosedWithoutReset() throws Exception {
        pool(2, LONG, LONG);
        BackendConnection connection = borrowNow(pool, loopA, APP);
        loopA.submit(() -> connection.beginCommand(CommandType.QUERY)).get(5, TimeUnit.SECONDS);
        release(pool, connection);

        assertTrue(connection.channel().closeFuture().await(5, TimeUnit.SECONDS));
        assertEquals(0, server.resets());
    }

    @Test
    void retireClosesIdleConnectionsAtOnceAndBorrowedOnesWhenReturned() throws Exception {
        pool(2, LONG, LONG);
        BackendConnection borrowed = borrowNow(pool, loopA, APP);
        BackendConnection idle = borrowNow(pool, loopB, APP);
        release(pool, idle);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);

        pool.retire();
        assertTrue(idle.channel().closeFuture().await(5, TimeUnit.SECONDS));
        assertTrue(borrowed.isActive(), "work in flight on a borrowed connection finishes");
        Future<BackendConnection> later = borrow(pool, loopA, APP);
        assertTrue(later.isDone());
        assertTrue(
                later.cause().getMessage().contains("left the topology"),
                later.cause().getMessage());

        release(pool, borrowed);
        assertTrue(borrowed.channel().closeFuture().await(5, TimeUnit.SECONDS));
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.openConnections() == 0);
        assertEquals(1, server.resets(), "only the connection released before the retirement was reset");
    }

    @Test
    void aRetiredUsersIdleConnectionsCloseBorrowedOnesCloseWhenGivenBackAndNewOnesArePooled() throws Exception {
        pool(4, LONG, LONG);
        BackendConnection borrowed = borrowNow(pool, loopA, APP);
        BackendConnection idle = borrowNow(pool, loopB, APP);
        BackendConnection other = borrowNow(pool, loopB, OTHER);
        release(pool, idle);
        release(pool, other);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 2);

        pool.retireUser(APP.user());
        assertTrue(idle.channel().closeFuture().await(5, TimeUnit.SECONDS), "the user's idle connection closes");
        assertTrue(borrowed.isActive(), "a connection in use is never closed under its session");
        assertTrue(other.isActive(), "another user's connection stays");
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);

        release(pool, borrowed);
        assertTrue(borrowed.channel().closeFuture().await(5, TimeUnit.SECONDS), "closed when given back");

        BackendConnection fresh = borrowNow(pool, loopA, APP);
        assertTrue(fresh != borrowed && fresh != idle, "a new login, not an old connection");
        release(pool, fresh);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections(PoolKey.of(APP)) == 1);
        assertTrue(fresh.isActive(), "a connection made after the change is pooled as usual");
    }

    @Test
    void retireFailsWaitersAtOnce() throws Exception {
        pool(1, LONG, LONG);
        borrowNow(pool, loopA, APP);
        Future<BackendConnection> waiting = borrow(pool, loopB, APP);

        pool.retire();
        assertTrue(waiting.await(5, TimeUnit.SECONDS));
        assertTrue(
                waiting.cause().getMessage().contains("left the topology"),
                waiting.cause().getMessage());
        assertEquals(0, pool.timeouts());
    }
}

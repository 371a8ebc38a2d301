package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.protocol.flag.Capability;
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

import static io.mysqlproxy.core.pool.PoolCalls.borrow;
import static io.mysqlproxy.core.pool.PoolCalls.borrowNow;
import static io.mysqlproxy.core.pool.PoolCalls.release;
import static io.mysqlproxy.core.pool.PoolLogins.APP;
import static io.mysqlproxy.core.pool.PoolLogins.OTHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No key or user hoards a pool: idle connections beyond the per-key reserve are given up within
 * seconds, a server full of idle connections (1040) gets one back for a new key, and one user's
 * connections in use stay within its share. Against the fake server on loopback, on two loops.
 */
class BackendPoolSharingTest {

    private static final Duration LONG = Duration.ofSeconds(30);
    private static final BackendLogin APP_MULTI =
            PoolLogins.login("app", PoolLogins.CAPABILITIES | Capability.MULTI_STATEMENTS.mask(), 0);

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
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.retire();
        }
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        server.close();
    }

    private void pool(int maxConnections, int maxIdlePerKey, Duration excessIdleTimeout, int maxPerUser) {
        BackendConnector connector =
                new BackendConnector(() -> NioSocketChannel.class, Duration.ofSeconds(5), Duration.ofSeconds(5));
        Backend backend = new Backend(server.address(), BackendRole.REPLICA, "replica-1");
        pool = new BackendPool(
                backend,
                connector,
                new PoolSettings(maxConnections, LONG, LONG, LONG, maxIdlePerKey, excessIdleTimeout, maxPerUser));
    }

    @Test
    void idleConnectionsBeyondTheReserveCloseWithinTheExcessIdleTimeout() throws Exception {
        pool(20, 2, Duration.ofMillis(300), 20);
        List<BackendConnection> storm = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            storm.add(borrowNow(pool, i % 2 == 0 ? loopA : loopB, APP));
        }
        BackendConnection other = borrowNow(pool, loopA, OTHER);
        for (BackendConnection connection : storm) {
            release(pool, connection);
        }
        release(pool, other);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 9);

        // The reserve of each key stays: two of app's, the one of other's.
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 3);
        assertEquals(2, pool.idleConnections(PoolKey.of(APP)));
        assertEquals(1, pool.idleConnections(PoolKey.of(OTHER)));
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.openConnections() == 3 && server.connected() == 3);
        assertEquals(9, server.logins());
    }

    @Test
    void aServerFullOfIdleConnectionsOfOtherKeysGivesOneUpForANewKey() throws Exception {
        pool(20, 20, LONG, 20);
        server.maxConnections(3);
        List<BackendConnection> storm =
                List.of(borrowNow(pool, loopA, APP), borrowNow(pool, loopB, APP), borrowNow(pool, loopA, APP));
        for (BackendConnection connection : storm) {
            release(pool, connection);
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 3);

        BackendConnection multi = borrowNow(pool, loopB, APP_MULTI);
        BackendConnection other = borrowNow(pool, loopA, OTHER);
        assertEquals("app", multi.login().user());
        assertEquals("other", other.login().user());
        assertEquals(2, pool.serverFullRetries());
        assertEquals(1, pool.idleConnections());
        assertEquals(0, pool.idleConnections(PoolKey.of(APP_MULTI)));
    }

    @Test
    void aServerFullOfConnectionsInUseAnswers1040() throws Exception {
        pool(20, 20, LONG, 20);
        server.maxConnections(1);
        borrowNow(pool, loopA, APP);

        Future<BackendConnection> refused = borrow(pool, loopB, OTHER);
        assertTrue(refused.await(5, TimeUnit.SECONDS));
        BackendException failure = assertInstanceOf(BackendException.class, refused.cause());
        assertEquals(ProxyErrors.ER_CON_COUNT_ERROR, failure.error().errorCode());
        assertEquals(0, pool.serverFullRetries(), "nothing idle to give up: a connection in use is never closed");
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.openConnections() == 1);
    }

    @Test
    void aUserBeyondItsShareGets1203AtOnceWhileOthersGoOn() throws Exception {
        pool(4, 4, LONG, 2);
        BackendConnection first = borrowNow(pool, loopA, APP);
        borrowNow(pool, loopB, APP_MULTI);

        Future<BackendConnection> third = borrow(pool, loopA, APP);
        assertTrue(third.isDone(), "no wait for a share that only the user itself can free");
        BackendException failure = assertInstanceOf(BackendException.class, third.cause());
        assertEquals(ProxyErrors.userShareReached("app", "replica-1", 2), failure.error());
        assertEquals(1203, failure.error().errorCode());
        assertEquals(2, pool.inUse("app"));
        assertEquals("other", borrowNow(pool, loopB, OTHER).login().user());

        release(pool, first);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);
        assertEquals(1, pool.inUse("app"), "an idle connection counts for no user");
        assertEquals(first, borrowNow(pool, loopA, APP));
        assertEquals(2, pool.inUse("app"));
        loopA.submit(() -> pool.discard(first)).get(5, TimeUnit.SECONDS);
        assertEquals(1, pool.inUse("app"));
    }

    @Test
    void waitingBorrowersCountForTheirUsersShare() throws Exception {
        pool(2, 2, LONG, 2);
        borrowNow(pool, loopA, OTHER);
        borrowNow(pool, loopA, APP);
        Future<BackendConnection> waiting = borrow(pool, loopB, APP);
        assertTrue(!waiting.isDone(), "the pool is full: app's second borrower waits");

        Future<BackendConnection> third = borrow(pool, loopB, APP);
        BackendException failure = assertInstanceOf(BackendException.class, third.cause());
        assertEquals(1203, failure.error().errorCode());
        assertEquals(2, pool.inUse("app"));
    }
}

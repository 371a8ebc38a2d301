package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.ConnectionImprint;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.pool.PoolLogins.APP;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Transaction multiplexing's side of the pool: a connection given back with an imprint is kept as it is,
 * without a reset, and a borrower gets the idle connection its {@link IdlePreference} ranks first.
 */
class BackendPoolImprintTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private FakeMySqlServer server;
    private EventLoopGroup loops;
    private EventLoop loop;
    private BackendPool pool;

    @BeforeEach
    void start() throws InterruptedException {
        server = new FakeMySqlServer();
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = loops.next();
        BackendConnector connector =
                new BackendConnector(() -> NioSocketChannel.class, Duration.ofSeconds(5), Duration.ofSeconds(5));
        Backend backend = new Backend(server.address(), BackendRole.PRIMARY, "primary");
        pool = new BackendPool(backend, connector, new PoolSettings(4, LONG, LONG, LONG));
    }

    @AfterEach
    void stop() {
        pool.retire();
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        server.close();
    }

    @Test
    void aConnectionGivenBackWithAnImprintIsKeptWithoutAReset() throws Exception {
        BackendConnection connection = borrow(APP, IdlePreference.CLEAN_FIRST);
        ConnectionImprint imprint = imprint("session 1");
        release(connection, imprint);

        assertEquals(1, pool.idleConnections());
        assertEquals(0, server.resets(), "no COM_RESET_CONNECTION for a connection with an imprint");
        BackendConnection again = borrow(APP, IdlePreference.CLEAN_FIRST);
        assertSame(connection, again);
        assertSame(imprint, again.imprint(), "the borrower reads what the connection carries");
    }

    @Test
    void withoutAnImprintTheConnectionIsResetAsBefore() throws Exception {
        BackendConnection connection = borrow(APP, IdlePreference.CLEAN_FIRST);
        release(connection, null);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 1);
        assertEquals(1, server.resets());
        assertNull(borrow(APP, IdlePreference.CLEAN_FIRST).imprint());
    }

    @Test
    void theBorrowerGetsTheIdleConnectionItRanksFirstNotTheNewest() throws Exception {
        BackendConnection own = borrow(APP, IdlePreference.CLEAN_FIRST);
        BackendConnection other = borrow(APP, IdlePreference.CLEAN_FIRST);
        BackendConnection clean = borrow(APP, IdlePreference.CLEAN_FIRST);
        ConnectionImprint mine = imprint("me");
        release(own, mine);
        release(other, imprint("someone else"));
        release(clean, null);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.idleConnections() == 3);

        IdlePreference me = c -> c.imprint() == mine ? 0 : c.imprint() == null ? 1 : 2;
        assertSame(own, borrow(APP, me), "its own connection, though two were given back after it");
        assertSame(clean, borrow(APP, me), "then a clean one");
        assertSame(other, borrow(APP, me), "then what is left");
        assertEquals(3, server.logins(), "nothing opened");
    }

    @Test
    void aWaiterIsHandedAConnectionGivenBackWithAnImprint() throws Exception {
        pool.retire();
        BackendConnector connector =
                new BackendConnector(() -> NioSocketChannel.class, Duration.ofSeconds(5), Duration.ofSeconds(5));
        pool = new BackendPool(
                new Backend(server.address(), BackendRole.PRIMARY, "primary"),
                connector,
                new PoolSettings(1, LONG, LONG, LONG));
        BackendConnection connection = borrow(APP, IdlePreference.CLEAN_FIRST);
        var waiting = loop.submit(() -> pool.borrow(loop, APP, true, IdlePreference.CLEAN_FIRST))
                .get(5, TimeUnit.SECONDS);
        ConnectionImprint imprint = imprint("first");
        release(connection, imprint);
        BackendConnection handed = waiting.get(5, TimeUnit.SECONDS);
        assertSame(connection, handed);
        assertSame(imprint, handed.imprint());
        assertEquals(0, server.resets());
    }

    private static ConnectionImprint imprint(String owner) {
        return new ConnectionImprint(owner, List.of(), 0, new int[0], null);
    }

    private BackendConnection borrow(BackendLogin login, IdlePreference preference) throws Exception {
        return loop.submit(() -> pool.borrow(loop, login, true, preference))
                .get(5, TimeUnit.SECONDS)
                .get(5, TimeUnit.SECONDS);
    }

    private void release(BackendConnection connection, ConnectionImprint imprint) throws Exception {
        loop.submit(() -> {
                    connection.imprint(imprint);
                    pool.release(connection);
                })
                .get(5, TimeUnit.SECONDS);
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pools under churn: 500 clients open a connection, prepare server-side statements (and leave some
 * unclosed), read and write, and disconnect, over and over for a minute. The backends' connection
 * counts stay within the pool bound the whole time, no client fails, and once the clients are gone
 * no server holds a prepared statement (the pool resets every connection it takes back).
 */
@ExtendWith(TestBedExtension.class)
class PoolChurnIT {

    private static final Logger log = LoggerFactory.getLogger(PoolChurnIT.class);
    private static final int CLIENTS = 500;
    private static final int POOL_MAX = 64;
    private static final Duration RUN = Duration.ofSeconds(Long.getLong("churn.seconds", 60));

    @Test
    void fiveHundredClientsChurningForAMinuteLeaveBoundedPoolsAndNoPreparedStatements(ReplicatedTestBed bed)
            throws Exception {
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS churn");
            s.execute("CREATE TABLE churn (id INT AUTO_INCREMENT PRIMARY KEY, client INT)");
        }
        bed.awaitReplication();
        String overrides = ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.backends.pool { max-connections = "
                + POOL_MAX + ", borrow-timeout = 30s }\nmysql-proxy.client.handshake-timeout = 60s"
                // All 500 come from 127.0.0.1, and a login waiting for a pooled connection is still in its
                // handshake: the per-address guard against floods (200) is not what this test is about.
                + "\nmysql-proxy.client.max-handshakes-per-address = " + CLIENTS;
        try (ProxyFixture proxy = ProxyFixture.start(bed, overrides)) {
            AtomicLong sessions = new AtomicLong();
            AtomicInteger maxOpen = new AtomicInteger();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            long deadline = System.nanoTime() + RUN.toNanos();
            CountDownLatch done = new CountDownLatch(CLIENTS);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int client = i;
                Thread thread = new Thread(
                        () -> {
                            try {
                                while (System.nanoTime() < deadline && failures.isEmpty()) {
                                    oneSession(proxy, client);
                                    sessions.incrementAndGet();
                                }
                            } catch (Throwable t) {
                                failures.add(t);
                            } finally {
                                done.countDown();
                            }
                        },
                        "churn-" + i);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
            while (!done.await(200, TimeUnit.MILLISECONDS)) {
                maxOpen.accumulateAndGet(maxOpenPerBackend(proxy), Math::max);
            }
            log.info(
                    "pool churn: {} sessions by {} clients in {} s; at most {} connections open to one backend "
                            + "(bound {}); pools now {}",
                    sessions.get(),
                    CLIENTS,
                    RUN.toSeconds(),
                    maxOpen.get(),
                    POOL_MAX,
                    pools(proxy));
            assertTrue(failures.isEmpty(), () -> "client failures, first: " + failures.peek());
            assertTrue(sessions.get() >= CLIENTS, "each client completed at least one session: " + sessions.get());
            assertTrue(maxOpen.get() <= POOL_MAX, "a pool exceeded its bound: " + maxOpen.get());
            awaitIdlePools(proxy);
            for (TestBedServer server : bed.servers()) {
                assertEquals(
                        0,
                        globalStatus(server, "Prepared_stmt_count"),
                        "prepared statements left on server " + server.serverId());
                int threadsConnected = globalStatus(server, "Threads_connected");
                assertTrue(
                        threadsConnected <= POOL_MAX + 8,
                        "server " + server.serverId() + " has " + threadsConnected + " connections");
            }
        }
    }

    private static void oneSession(ProxyFixture proxy, int client) throws SQLException {
        try (Connection c = proxy.connect("useServerPrepStmts=true&cachePrepStmts=false")) {
            PreparedStatement read = c.prepareStatement("SELECT COUNT(*) + ? FROM churn");
            read.setInt(1, client);
            try (ResultSet rs = read.executeQuery()) {
                assertTrue(rs.next());
            }
            // Left open on purpose every other session: the disconnect must not leak it.
            if (client % 2 == 0) {
                read.close();
            }
            if (client % 10 == 0) {
                try (PreparedStatement write = c.prepareStatement("INSERT INTO churn (client) VALUES (?)")) {
                    write.setInt(1, client);
                    write.executeUpdate();
                }
            }
        }
    }

    private static int maxOpenPerBackend(ProxyFixture proxy) {
        int max = 0;
        for (Backend backend : proxy.server().runtime().topology().all()) {
            max = Math.max(max, proxy.server().runtime().pool(backend).openConnections());
        }
        return max;
    }

    private static String pools(ProxyFixture proxy) {
        StringBuilder out = new StringBuilder();
        for (Backend backend : proxy.server().runtime().topology().all()) {
            out.append(proxy.server().runtime().pool(backend)).append("; ");
        }
        return out.toString();
    }

    /** Waits until every pooled connection has been reset and is idle again. */
    private static void awaitIdlePools(ProxyFixture proxy) {
        Awaits.within(Duration.ofSeconds(30), "every pooled connection is reset and idle")
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    for (Backend backend : proxy.server().runtime().topology().all()) {
                        BackendPool pool = proxy.server().runtime().pool(backend);
                        assertEquals(pool.openConnections(), pool.idleConnections(), () -> "pools: " + pools(proxy));
                    }
                });
    }

    private static int globalStatus(TestBedServer server, String name) throws SQLException {
        try (Connection root = server.connectAsRoot();
                Statement s = root.createStatement();
                ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS LIKE '" + name + "'")) {
            assertTrue(rs.next(), name);
            return rs.getInt(2);
        }
    }
}

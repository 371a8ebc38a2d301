package io.mysqlproxy.app;

import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A login storm must not starve anyone afterwards. {@value #DEFAULT_LOGINS} sessions of one user are
 * open at once through the proxy, with each server's {@code max_connections} set to just what it
 * already holds plus those, and are all closed. At once a client of another user and one of the
 * same user with multi-statements (another pool key) log in and run a query: the primary is full
 * of the storm's idle pooled connections, so each login only gets in because the pool gives one of
 * them up for the server's 1040. Then, within 30 s, the pool holds no more idle connections than
 * its reserve per key.
 */
@ExtendWith(TestBedExtension.class)
class LoginStormIT {

    private static final Logger log = LoggerFactory.getLogger(LoginStormIT.class);
    private static final int DEFAULT_LOGINS = 1000;
    private static final int LOGINS = Integer.getInteger("storm.logins", DEFAULT_LOGINS);
    private static final int IDLE_RESERVE = 8;
    /** app plain, app with multi-statements, other. */
    private static final int KEYS = 3;

    private static final DbAccount OTHER = new DbAccount("stormother", "other-secret");

    @Test
    void afterAStormOfOneUsersLoginsOthersLogInAtOnceAndThePoolShrinksToItsReserve(ReplicatedTestBed bed)
            throws Exception {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute("CREATE USER IF NOT EXISTS '" + OTHER.user() + "'@'%' IDENTIFIED BY '" + OTHER.password() + "'");
            s.execute("GRANT SELECT ON " + ReplicatedTestBed.APP_DATABASE + ".* TO '" + OTHER.user() + "'@'%'");
        }
        bed.awaitReplication();
        String overrides = """
                mysql-proxy.users = [
                  { name = app, password = app-secret, auth-plugin = mysql_native_password }
                  { name = %s, password = %s, auth-plugin = mysql_native_password }
                ]
                mysql-proxy.backends.pool {
                  max-connections = %d, max-per-user-percent = 100, max-idle-per-key = %d
                  # Each session keeps its connection, so the storm holds as many as it has sessions.
                  return-after-idle = 0
                }
                mysql-proxy.client.handshake-timeout = 60s
                """.formatted(OTHER.user(), OTHER.password(), LOGINS + 50, IDLE_RESERVE);
        Map<TestBedServer, Connection> roots = new HashMap<>();
        Map<TestBedServer, Integer> maxConnections = new HashMap<>();
        try (ProxyFixture proxy = ProxyFixture.start(bed, overrides)) {
            // The proxy's health checks hold their connections from here on, and so does each root connection.
            proxy.connect("").close();
            for (TestBedServer server : bed.servers()) {
                Connection root = server.connectAsRoot();
                roots.put(server, root);
                maxConnections.put(server, intValue(root, "SELECT @@GLOBAL.max_connections"));
                int connected = threadsConnected(root);
                execute(root, "SET GLOBAL max_connections = " + (connected + LOGINS));
            }
            Backend primary = proxy.server().runtime().topology().primary();
            BackendPool pool = proxy.server().runtime().pool(primary);

            long start = System.nanoTime();
            storm(proxy);
            long stormMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            Awaits.within(Duration.ofSeconds(60), "every session of the storm has given its connection back")
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> pool.openConnections() == pool.idleConnections());
            int stormIdle = pool.idleConnections();

            long atOnce = System.nanoTime();
            assertEquals(1, query(proxy.connect(OTHER.user(), OTHER.password(), "")), "another user");
            assertEquals(1, query(proxy.connect("allowMultiQueries=true")), "the same user, multi-statements on");
            long atOnceMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - atOnce);

            long trimStart = System.nanoTime();
            Awaits.within(Duration.ofSeconds(30), "the primary's pool is back to its idle reserve")
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> pool.idleConnections() <= IDLE_RESERVE * KEYS);
            long trimMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - trimStart);
            log.info(
                    "login storm: {} sessions of app opened and closed in {} ms, {} idle on the primary after it; "
                            + "other user and multi-statements in {} ms ({} retries after 1040); pool {} within {} ms",
                    LOGINS,
                    stormMillis,
                    stormIdle,
                    atOnceMillis,
                    pool.serverFullRetries(),
                    pool,
                    trimMillis);
            assertTrue(stormIdle >= LOGINS, "the storm left its connections idle in the pool: " + stormIdle);
            assertTrue(pool.serverFullRetries() >= 1, "the full primary gave up an idle connection for a login");
        } finally {
            for (Map.Entry<TestBedServer, Connection> root : roots.entrySet()) {
                try (Connection c = root.getValue()) {
                    execute(c, "SET GLOBAL max_connections = " + maxConnections.get(root.getKey()));
                }
            }
        }
    }

    /** {@link #LOGINS} sessions of app open at once, then all closed. */
    private static void storm(ProxyFixture proxy) throws Exception {
        ExecutorService logins = Executors.newFixedThreadPool(16);
        List<Future<Connection>> sessions = new ArrayList<>();
        try {
            for (int i = 0; i < LOGINS; i++) {
                sessions.add(logins.submit(() -> proxy.connect("")));
            }
            for (Future<Connection> session : sessions) {
                session.get(120, TimeUnit.SECONDS);
            }
        } finally {
            List<Future<?>> closes = new ArrayList<>();
            for (Future<Connection> session : sessions) {
                closes.add(logins.submit(() -> {
                    session.get(120, TimeUnit.SECONDS).close();
                    return null;
                }));
            }
            for (Future<?> close : closes) {
                close.get(120, TimeUnit.SECONDS);
            }
            logins.shutdown();
        }
    }

    /** Runs {@code SELECT 1} and closes the connection. */
    private static int query(Connection connection) throws SQLException {
        try (Connection c = connection) {
            return intValue(c, "SELECT 1");
        }
    }

    private static int intValue(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getInt(1);
        }
    }

    private static int threadsConnected(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS LIKE 'Threads_connected'")) {
            assertTrue(rs.next());
            return rs.getInt(2);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}

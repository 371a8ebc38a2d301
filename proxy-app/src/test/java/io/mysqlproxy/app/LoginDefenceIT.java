package io.mysqlproxy.app;

import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.packet.AuthSwitchRequest;
import io.mysqlproxy.protocol.packet.HandshakeResponse41;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The login defences against real servers: an address that keeps failing is answered ever later and
 * then refused with error 1129 for host-block-time while other addresses log in at once; admins and
 * reloads lift blocks; an unknown user's exchange has the same packets as a wrong password's; a user
 * over users[].max-connections gets error 1226. Clients pick their source address in 127.0.0.0/8, so
 * the proxy sees them as different hosts.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides("""
        mysql-proxy.users = [
          { name = app, password = app-secret, auth-plugin = mysql_native_password, admin = true }
          { name = capped, password = capped-secret, auth-plugin = mysql_native_password, max-connections = 2 }
        ]
        mysql-proxy.client {
          max-connect-errors = 10
          host-block-time = 6s
          failed-login-delay-after = 3
          failed-login-delay = 250ms
          failed-login-max-delay = 1s
        }
        """)
class LoginDefenceIT {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LoginDefenceIT.class);
    private static final int OK = 0;
    private static final int ER_HOST_IS_BLOCKED = 1129;
    private static final int ER_ACCESS_DENIED = 1045;
    private static final int ER_USER_LIMIT_REACHED = 1226;

    private final ProxyFixture proxy;

    LoginDefenceIT(ProxyFixture proxy) {
        this.proxy = proxy;
    }

    @BeforeAll
    static void createCappedAccount(ReplicatedTestBed bed) throws SQLException {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute("CREATE USER IF NOT EXISTS 'capped'@'%' IDENTIFIED BY 'capped-secret'");
            s.execute("GRANT SELECT ON " + ReplicatedTestBed.APP_DATABASE + ".* TO 'capped'@'%'");
        }
        bed.awaitReplication();
    }

    /** One login attempt's packets from the proxy (each a whole frame), its outcome and how long it took. */
    private record Exchange(List<byte[]> frames, int code, long millis) {}

    /**
     * Logs in from {@code local} over a bare socket, naming {@code clientPlugin} in the handshake
     * response (mysql_native_password's scramble is sent only for that plugin) and answering an auth
     * switch to mysql_native_password. Code 0 on success, else the ERR's code, also one sent instead of
     * the greeting.
     */
    private Exchange login(String local, String user, String password, String clientPlugin) throws IOException {
        long start = System.nanoTime();
        List<byte[]> frames = new ArrayList<>();
        try (RawClient client = new RawClient(proxy.port(), local)) {
            byte[] first = client.readFrame();
            frames.add(first);
            if ((first[4] & 0xff) == 0xff) {
                return new Exchange(frames, code(first), millis(start));
            }
            HandshakeV10 greeting = HandshakeV10.decode(Unpooled.wrappedBuffer(first, 4, first.length - 4));
            boolean nativeFirst = clientPlugin.equals("mysql_native_password");
            client.send(new HandshakeResponse41(
                            RawClient.CAPABILITIES & greeting.capabilities(),
                            1 << 24,
                            45,
                            0,
                            user,
                            nativeFirst ? NativePassword.scramble(password, greeting.scramble()) : new byte[0],
                            ReplicatedTestBed.APP_DATABASE,
                            clientPlugin,
                            null)
                    .toFrame(UnpooledByteBufAllocator.DEFAULT, 1));
            while (true) {
                byte[] frame = client.readFrame();
                if (frame == null) {
                    throw new IOException("closed without an answer after " + frames.size() + " packets");
                }
                frames.add(frame);
                int header = frame[4] & 0xff;
                if (header == 0x00 || header == 0xff) {
                    return new Exchange(frames, header == 0 ? OK : code(frame), millis(start));
                }
                AuthSwitchRequest request =
                        AuthSwitchRequest.decode(Unpooled.wrappedBuffer(frame, 4, frame.length - 4));
                assertEquals("mysql_native_password", request.pluginName());
                byte[] nonce = Arrays.copyOf(request.pluginData(), 20);
                client.sendRaw(RawClient.frame((frame[3] + 1) & 0xff, NativePassword.scramble(password, nonce)));
            }
        }
    }

    private Exchange login(String local, String password) throws IOException {
        return login(local, "app", password, "mysql_native_password");
    }

    private static int code(byte[] err) {
        return (err[5] & 0xff) | (err[6] & 0xff) << 8;
    }

    private static String message(byte[] err) {
        return new String(err, 13, err.length - 13, StandardCharsets.UTF_8);
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /**
     * Issue 19's acceptance: 200 failed logins from 127.0.0.1; the address is then refused with 1129
     * (after ever later answers), while a correct login from 127.0.0.2 succeeds at once; after the
     * block time 127.0.0.1 logs in again.
     */
    @Test
    void anAddressThatKeepsFailingIsSlowedThenBlockedWhileOthersLogInAtOnce() throws Exception {
        List<Exchange> attempts = new ArrayList<>();
        long blockedAt = 0;
        for (int i = 0; i < 200; i++) {
            if (i == 9) {
                blockedAt = System.nanoTime(); // the block starts during the 10th attempt
            }
            attempts.add(login("127.0.0.1", "wrong-" + i));
        }
        for (int i = 0; i < 10; i++) {
            assertEquals(ER_ACCESS_DENIED, attempts.get(i).code(), "attempt " + (i + 1));
        }
        // From the 4th failure on, answers wait: 250 ms, 500 ms, then the 1 s cap.
        long[] least = {0, 0, 0, 250, 500, 1000, 1000, 1000, 1000, 1000};
        for (int i = 0; i < 10; i++) {
            long took = attempts.get(i).millis();
            assertTrue(took >= least[i], "attempt " + (i + 1) + " answered after " + took + " ms");
        }
        assertTrue(attempts.get(0).millis() < 1000, "the first failure is answered at once");
        log.info(
                "answer times of the 10 failures before the block (ms): {}; of the 190 refusals: max {} ms",
                attempts.subList(0, 10).stream().map(Exchange::millis).toList(),
                attempts.subList(10, 200).stream()
                        .mapToLong(Exchange::millis)
                        .max()
                        .orElse(-1));
        for (int i = 10; i < 200; i++) {
            Exchange attempt = attempts.get(i);
            assertEquals(ER_HOST_IS_BLOCKED, attempt.code(), "attempt " + (i + 1));
            assertEquals(1, attempt.frames().size(), "refused instead of a greeting");
            assertEquals(0, attempt.frames().get(0)[3], "sequence id 0, as the server's");
            assertEquals(
                    "Host '127.0.0.1' is blocked because of many connection errors; unblock with 'mysqladmin flush-hosts'",
                    message(attempt.frames().get(0)));
        }

        assertEquals(ER_HOST_IS_BLOCKED, login("127.0.0.1", "app-secret").code(), "even the right password");
        Exchange other = login("127.0.0.2", "app-secret");
        assertEquals(OK, other.code());
        assertTrue(other.millis() < 1000, "another address logs in at once: " + other.millis() + " ms");
        log.info("a correct login from 127.0.0.2 while 127.0.0.1 is blocked: {} ms", other.millis());
        assertEquals(1, stats().get("blocked_hosts"));
        assertEquals(List.of("127.0.0.1"), blockedHosts());
        assertTrue(proxy.admin("/metrics").contains("mysqlproxy_blocked_hosts 1.0"));

        long blockedFrom = blockedAt;
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> login("127.0.0.1", "app-secret").code() == OK);
        long waited = (System.nanoTime() - blockedFrom) / 1_000_000;
        assertTrue(waited >= 5_900, "blocked for host-block-time (6 s), not " + waited + " ms");
        log.info("127.0.0.1 logged in again {} ms after its block began", waited);
        assertEquals(0, stats().get("blocked_hosts"));
        assertEquals(List.of(), blockedHosts());
        assertTrue(stats().get("host_blocks") >= 1);
        assertTrue(stats().get("blocked_host_refusals") >= 191);
    }

    @Test
    void adminsAndReloadsLiftBlocks() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertEquals(ER_ACCESS_DENIED, login("127.0.0.6", "wrong").code());
        }
        assertEquals(ER_HOST_IS_BLOCKED, login("127.0.0.6", "app-secret").code());
        try (Connection admin = proxy.connect("localSocketAddress=127.0.0.7");
                Statement s = admin.createStatement()) {
            assertEquals(1, single(s, "PROXY UNBLOCK HOST '127.0.0.6'"));
            assertEquals(OK, login("127.0.0.6", "app-secret").code());
            assertEquals(0, single(s, "PROXY UNBLOCK HOST '127.0.0.6'"), "no longer blocked");

            for (int i = 0; i < 10; i++) {
                login("127.0.0.8", "wrong");
            }
            assertEquals(ER_HOST_IS_BLOCKED, login("127.0.0.8", "app-secret").code());
            assertEquals(1, single(s, "PROXY UNBLOCK ALL HOSTS"));
            assertEquals(OK, login("127.0.0.8", "app-secret").code());
        }
        for (int i = 0; i < 10; i++) {
            login("127.0.0.9", "wrong");
        }
        assertEquals(ER_HOST_IS_BLOCKED, login("127.0.0.9", "app-secret").code());
        try (Connection notAdmin = proxy.connect("capped", "capped-secret", "localSocketAddress=127.0.0.7");
                Statement s = notAdmin.createStatement()) {
            SQLException refused = assertThrows(SQLException.class, () -> s.execute("PROXY UNBLOCK ALL HOSTS"));
            assertEquals(1227, refused.getErrorCode(), "only admins unblock: " + refused.getMessage());
        }
        assertEquals(ER_HOST_IS_BLOCKED, login("127.0.0.9", "app-secret").code());
        proxy.server().reconfigure(proxy.server().runtime().config());
        assertEquals(OK, login("127.0.0.9", "app-secret").code(), "a reload lifts every block");
    }

    /**
     * An unknown user and a known one with a wrong password, both from clients that name another plugin
     * first: the same packets (an auth switch, then error 1045), byte for byte but for the nonce and the
     * name the client sent; and no telling them apart by the time they take. Each attempt comes from an
     * address of its own, so that no delay applies.
     */
    @Test
    void anUnknownUserCannotBeToldFromAWrongPassword() throws Exception {
        List<Long> knownTimes = new ArrayList<>();
        List<Long> unknownTimes = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            Exchange known = login("127.0.1." + i, "app", "wrong", "sha256_password");
            Exchange unknown = login("127.0.2." + i, "bob", "wrong", "sha256_password");
            assertEquals(ER_ACCESS_DENIED, known.code());
            assertEquals(ER_ACCESS_DENIED, unknown.code());
            assertEquals(3, known.frames().size(), "greeting, auth switch, error");
            assertEquals(known.frames().size(), unknown.frames().size());
            for (int p = 1; p < known.frames().size(); p++) {
                byte[] a = known.frames().get(p);
                byte[] b = unknown.frames().get(p);
                if ((a[4] & 0xff) == 0xfe) {
                    // The switch carries each connection's nonce (20 bytes and a NUL at its end).
                    a = Arrays.copyOf(a, a.length - 21);
                    b = Arrays.copyOf(b, b.length - 21);
                } else {
                    b = new String(b, StandardCharsets.ISO_8859_1)
                            .replace("'bob'@", "'app'@")
                            .replace("127.0.2." + i + "'", "127.0.1." + i + "'")
                            .getBytes(StandardCharsets.ISO_8859_1);
                }
                assertArrayEquals(a, b, "packet " + p);
            }
            knownTimes.add(known.millis());
            unknownTimes.add(unknown.millis());
        }
        long knownMedian = median(knownTimes);
        long unknownMedian = median(unknownTimes);
        log.info(
                "median login answer: {} ms for a wrong password, {} ms for an unknown user",
                knownMedian,
                unknownMedian);
        assertTrue(
                Math.abs(knownMedian - unknownMedian) <= 25,
                "median " + knownMedian + " ms for a wrong password, " + unknownMedian + " ms for an unknown user");
    }

    @Test
    void aUserAtItsMaxConnectionsGetsError1226() throws Exception {
        String local = "localSocketAddress=127.0.0.5";
        await().atMost(Duration.ofSeconds(10))
                .until(() -> proxy.server().runtime().userConnections().open("capped") == 0);
        try (Connection first = proxy.connect("capped", "capped-secret", local);
                Connection second = proxy.connect("capped", "capped-secret", local)) {
            SQLException refused =
                    assertThrows(SQLException.class, () -> proxy.connect("capped", "capped-secret", local));
            assertEquals(ER_USER_LIMIT_REACHED, refused.getErrorCode(), refused.getMessage());
            assertEquals("42000", refused.getSQLState());
            assertTrue(
                    refused.getMessage()
                            .contains(
                                    "User 'capped' has exceeded the 'max_user_connections' resource (current value: 2)"),
                    refused.getMessage());
            try (Connection other = proxy.connect(local)) {
                assertTrue(other.isValid(5), "another user is not limited");
            }
            first.close();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> proxy.server().runtime().userConnections().open("capped") == 1);
            try (Connection third = proxy.connect("capped", "capped-secret", local)) {
                assertTrue(third.isValid(5), "a slot is free again");
            }
        }
        assertTrue(stats().get("user_limit_refusals") >= 1);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /** Through execute(): Connector/J lets executeQuery() run only statements it knows to give rows. */
    private static long single(Statement s, String sql) throws SQLException {
        assertTrue(s.execute(sql), sql + " answers a result set");
        try (ResultSet rs = s.getResultSet()) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    private List<String> blockedHosts() throws SQLException {
        List<String> hosts = new ArrayList<>();
        try (Connection c = proxy.connect("localSocketAddress=127.0.0.4");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW PROXY HOSTS")) {
            while (rs.next()) {
                hosts.add(rs.getString("blocked_host"));
            }
        }
        return hosts;
    }

    private Map<String, Long> stats() throws SQLException {
        Map<String, Long> stats = new HashMap<>();
        try (Connection c = proxy.connect("localSocketAddress=127.0.0.4");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW PROXY STATS")) {
            while (rs.next()) {
                stats.put(rs.getString(1), rs.getLong(2));
            }
        }
        return stats;
    }
}

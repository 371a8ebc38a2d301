package io.mysqlproxy.app;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.packet.HandshakeResponse41;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of bad input gets a MySQL error (or a close with a logged reason), its connection is
 * closed, and a session opened beforehand keeps working.
 */
@ExtendWith(TestBedExtension.class)
class BadInputIT {

    private static ProxyFixture proxy;
    private static Connection bystander;
    private static ListAppender<ILoggingEvent> log;

    @BeforeAll
    static void start(ReplicatedTestBed bed) throws SQLException {
        proxy = ProxyFixture.start(
                bed,
                ProxyFixture.NATIVE_PASSWORD_APP
                        + "\nmysql-proxy.client.max-allowed-packet = 1MiB\nmysql-proxy.client.handshake-timeout = 3s");
        bystander = proxy.connect("");
        log = new ListAppender<>();
        log.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(log);
    }

    @AfterAll
    static void stop() throws SQLException {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(log);
        bystander.close();
        proxy.close();
    }

    @AfterEach
    void bystanderStillServed() throws SQLException {
        try (Statement s = bystander.createStatement();
                ResultSet rs = s.executeQuery("SELECT 'still here'")) {
            assertTrue(rs.next());
            assertEquals("still here", rs.getString(1));
        }
    }

    @Test
    void wrongPassword() throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            assertEquals(0xff, client.login(DbAccount.APP.user(), "not-the-password", "app"));
            assertNull(client.readFrame(), "connection closed after the error");
        }
    }

    @Test
    void unknownUser() throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            assertEquals(0xff, client.login("nobody", "x", "app"));
        }
    }

    @Test
    void unknownAuthPluginIsSwitchedToTheAccountsOwn() throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            HandshakeV10 greeting = client.greeting();
            client.send(new HandshakeResponse41(
                            RawClient.CAPABILITIES & greeting.capabilities(),
                            1 << 24,
                            45,
                            0,
                            DbAccount.APP.user(),
                            new byte[] {1, 2, 3},
                            "app",
                            "client_ed25519",
                            null)
                    .toFrame(UnpooledByteBufAllocator.DEFAULT, 1));
            byte[] switchRequest = client.readFrame();
            assertNotNull(switchRequest);
            assertEquals(0xfe, switchRequest[4] & 0xff, "an AuthSwitchRequest");
            String plugin = new String(switchRequest, 5, "mysql_native_password".length(), StandardCharsets.US_ASCII);
            assertEquals("mysql_native_password", plugin);
            byte[] nonce = Arrays.copyOfRange(switchRequest, 5 + plugin.length() + 1, switchRequest.length - 1);
            client.sendRaw(RawClient.frame(3, NativePassword.scramble(DbAccount.APP.password(), nonce)));
            byte[] ok = client.readFrame();
            assertNotNull(ok);
            assertEquals(0x00, ok[4] & 0xff, "logged in after the switch");
        }
    }

    @Test
    void garbageBeforeTheHandshake() throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            client.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            client.greeting();
            client.expectErrorThenClose(-1);
        }
        assertLogged("handshake");
    }

    @Test
    void truncatedHandshakeResponse() throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            client.greeting();
            client.sendRaw(RawClient.frame(1, new byte[] {(byte) 0x8d, (byte) 0xa2, 0, 0, 0, 0}));
            client.expectErrorThenClose(1043);
        }
        assertLogged("malformed handshake");
    }

    @Test
    void wrongSequenceIdInTheHandshake() throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            client.greeting();
            client.sendRaw(RawClient.frame(7, new byte[40]));
            client.expectErrorThenClose(1156);
        }
    }

    @Test
    void wrongSequenceIdAfterLogin() throws IOException {
        try (RawClient client = loggedIn()) {
            client.sendRaw(RawClient.frame(3, "\u0003SELECT 1".getBytes(StandardCharsets.US_ASCII)));
            client.expectErrorThenClose(1156);
        }
        assertLogged("sequence id");
    }

    @Test
    void declaredLengthOverMaxAllowedPacketIsRefusedAtOnce() throws IOException {
        try (RawClient client = loggedIn()) {
            // Only the header: the proxy must not wait for 2 MiB that will never come.
            client.sendRaw(new byte[] {0, 0, 0x20, 0});
            client.expectErrorThenClose(1153);
        }
        try (RawClient client = new RawClient(proxy.port())) {
            client.greeting();
            client.sendRaw(new byte[] {0, 0, 0x20, 1});
            client.expectErrorThenClose(1153);
        }
    }

    @Test
    void garbageAfterLoginGetsAnErrorAndTheSessionGoesOn() throws IOException {
        try (RawClient client = loggedIn()) {
            client.sendRaw(RawClient.frame(0, new byte[] {(byte) 0xee, 1, 2, 3}));
            byte[] error = client.readFrame();
            assertNotNull(error);
            assertEquals(0xff, error[4] & 0xff);
            assertEquals(1047, (error[5] & 0xff) | (error[6] & 0xff) << 8);
            client.sendRaw(RawClient.frame(0, new byte[] {0x0e}));
            byte[] pong = client.readFrame();
            assertNotNull(pong);
            assertEquals(0x00, pong[4] & 0xff, "COM_PING answered after the unknown command");
        }
    }

    private static RawClient loggedIn() throws IOException {
        RawClient client = new RawClient(proxy.port());
        assertEquals(0x00, client.login(DbAccount.APP.user(), DbAccount.APP.password(), "app"));
        return client;
    }

    private static void assertLogged(String fragment) {
        assertTrue(
                log.list.stream().anyMatch(e -> e.getFormattedMessage().contains(fragment)),
                "a log line mentioning '" + fragment + "'");
    }
}

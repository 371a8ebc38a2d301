package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.flag.Capability;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WaitTimeoutTest {

    private static final Duration IDLE = Duration.ofMinutes(10);
    private static final Duration INTERACTIVE = Duration.ofMinutes(3);

    @Test
    void aClientLogsInWithTheIdleTimeout() {
        WaitTimeout timeout = WaitTimeout.atLogin(info(0), "8.4.3");
        assertEquals(IDLE.toNanos(), timeout.nanos());
    }

    @Test
    void anInteractiveClientLogsInWithTheInteractiveTimeout() {
        WaitTimeout timeout = WaitTimeout.atLogin(info(Capability.INTERACTIVE.mask()), "8.4.3");
        assertEquals(INTERACTIVE.toNanos(), timeout.nanos());
    }

    @Test
    void aSetChangesItAndDefaultMeansTheGlobalValueEvenForAnInteractiveClient() {
        WaitTimeout timeout = WaitTimeout.atLogin(info(Capability.INTERACTIVE.mask()), "8.4.3");
        timeout.setSucceeded(sql("SET SESSION wait_timeout = 2"));
        assertEquals(Duration.ofSeconds(2).toNanos(), timeout.nanos());
        timeout.setSucceeded(sql("SET autocommit = 1"));
        assertEquals(Duration.ofSeconds(2).toNanos(), timeout.nanos(), "a SET of something else changes nothing");
        timeout.setSucceeded(sql("SET wait_timeout = @later"));
        assertEquals(Duration.ofSeconds(2).toNanos(), timeout.nanos(), "an unreadable value keeps the old one");
        timeout.setSucceeded(sql("SET wait_timeout = DEFAULT"));
        assertEquals(IDLE.toNanos(), timeout.nanos(), "DEFAULT is the global wait_timeout, as on the server");
    }

    @Test
    void interactiveTimeoutCountsAtLoginOnly() {
        WaitTimeout timeout = WaitTimeout.atLogin(info(Capability.INTERACTIVE.mask()), "8.4.3");
        timeout.setSucceeded(sql("SET SESSION interactive_timeout = 1"));
        assertEquals(INTERACTIVE.toNanos(), timeout.nanos());
    }

    @Test
    void onMySqlResetAndChangeOfUserBringBackTheLoginValue() {
        WaitTimeout timeout = WaitTimeout.atLogin(info(Capability.INTERACTIVE.mask()), "8.4.3");
        timeout.setSucceeded(sql("SET wait_timeout = 1"));
        timeout.reset();
        assertEquals(INTERACTIVE.toNanos(), timeout.nanos());
    }

    @Test
    void onMariaDbResetAndChangeOfUserGiveTheGlobalValueEvenToAnInteractiveClient() {
        WaitTimeout timeout = WaitTimeout.atLogin(info(Capability.INTERACTIVE.mask()), "5.5.5-10.11.9-MariaDB");
        timeout.setSucceeded(sql("SET wait_timeout = 1"));
        timeout.reset();
        assertEquals(IDLE.toNanos(), timeout.nanos());
    }

    @Test
    void onlyMySqlAnnouncesTheExpiry() {
        assertTrue(WaitTimeout.atLogin(info(0), "9.7.0").announced());
        assertTrue(WaitTimeout.atLogin(info(0), "8.0.36-log").announced());
        assertFalse(WaitTimeout.atLogin(info(0), "5.5.5-10.11.9-MariaDB-log").announced());
        assertFalse(WaitTimeout.atLogin(info(0), "11.4.2-MariaDB").announced());
    }

    private static SessionInfo info(int capabilities) {
        return new SessionInfo(
                1,
                "app",
                "127.0.0.1:5000",
                "127.0.0.1",
                capabilities | Capability.PROTOCOL_41.mask(),
                0,
                1 << 24,
                IDLE,
                INTERACTIVE,
                new byte[20],
                false);
    }

    private static byte[] sql(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.ProxyConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The failed-login tracker on a clock the test moves: delays, blocks, resets, unblocks and its bound. */
class FailedLoginsTest {

    private static final String HOST = "10.0.0.7";
    private static final String OTHER = "10.0.0.8";

    /** Delays from the 3rd failure: 100 ms, doubling, capped at 500 ms; blocked at the 10th for a minute. */
    private static final ProxyConfig.FailedLogins SETTINGS = new ProxyConfig.FailedLogins(
            10, Duration.ofMinutes(1), 3, Duration.ofMillis(100), Duration.ofMillis(500), 4);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FailedLogins logins = new FailedLogins(SETTINGS, now::get);

    private void fail(String host, int times) {
        for (int i = 0; i < times; i++) {
            logins.failed(host);
        }
    }

    @Test
    void theDelayStartsAtTheThresholdDoublesAndStopsAtTheCap() {
        List<Long> delays = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            delays.add(logins.delay(HOST).toMillis());
            logins.failed(HOST);
        }
        assertEquals(List.of(0L, 0L, 0L, 100L, 200L, 400L, 500L, 500L), delays);
        assertEquals(Duration.ZERO, logins.delay(OTHER), "per address");
    }

    @Test
    void maxConnectErrorsFailuresBlockTheAddressForTheBlockTime() {
        fail(HOST, 9);
        assertFalse(logins.blocked(HOST));
        assertTrue(logins.failed(HOST), "the 10th failure blocks");
        assertFalse(logins.failed(HOST), "already blocked: no second block");
        assertTrue(logins.blocked(HOST));
        assertFalse(logins.blocked(OTHER));
        assertEquals(1, logins.blockedHosts());
        assertEquals(1, logins.blocks());
        assertEquals(11, logins.failedLogins());

        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertTrue(logins.blocked(HOST));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertFalse(logins.blocked(HOST), "the block is over");
        assertEquals(Duration.ZERO, logins.delay(HOST), "and the count starts again");
        assertEquals(0, logins.blockedHosts());
    }

    @Test
    void aSuccessResetsTheCount() {
        fail(HOST, 9);
        logins.succeeded(HOST);
        assertEquals(Duration.ZERO, logins.delay(HOST));
        fail(HOST, 9);
        assertFalse(logins.blocked(HOST), "9 again after the reset: not 18");
    }

    @Test
    void failuresAreForgottenAfterTheBlockTimeWithoutAFailure() {
        fail(HOST, 5);
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        assertEquals(Duration.ZERO, logins.delay(HOST));
        fail(HOST, 9);
        assertFalse(logins.blocked(HOST));
    }

    @Test
    void unblockLiftsOneAddressAndUnblockAllEvery() {
        fail(HOST, 10);
        fail(OTHER, 10);
        assertTrue(logins.unblock(HOST));
        assertFalse(logins.blocked(HOST));
        assertEquals(Duration.ZERO, logins.delay(HOST), "its count is gone too");
        assertFalse(logins.unblock(HOST), "no longer blocked");
        assertTrue(logins.blocked(OTHER));
        assertEquals(1, logins.unblockAll());
        assertFalse(logins.blocked(OTHER));
        assertEquals(0, logins.trackedHosts());
    }

    @Test
    void atMostMaxTrackedHostsAreKeptTheOneUnusedLongestGoesFirst() {
        fail("10.0.1.1", 10);
        for (int i = 2; i <= 100; i++) {
            logins.failed("10.0.1." + i);
            assertTrue(logins.trackedHosts() <= SETTINGS.maxTrackedHosts(), "bounded at " + i);
            logins.blocked("10.0.1.1"); // the blocked address keeps trying, so it stays
        }
        assertEquals(SETTINGS.maxTrackedHosts(), logins.trackedHosts());
        assertTrue(logins.blocked("10.0.1.1"));
        assertFalse(logins.blocked("10.0.1.2"), "forgotten");
    }
}

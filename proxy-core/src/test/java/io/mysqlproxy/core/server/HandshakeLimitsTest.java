package io.mysqlproxy.core.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mysqlproxy.core.config.ProxyConfig;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Places for connections in the handshake: per address and in all, each given back once, refusals counted. */
class HandshakeLimitsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicReference<ProxyConfig.BeforeLogin> limits =
            new AtomicReference<>(new ProxyConfig.BeforeLogin(65536, 3, 2));
    private final HandshakeLimits handshakes = new HandshakeLimits(limits::get, registry);

    @Test
    void oneAddressGetsItsShareAndTheRestOfTheTotalIsLeftToOthers() {
        HandshakeLimits.Admission first = handshakes.admit("127.0.0.1");
        assertTrue(first.admitted());
        assertTrue(handshakes.admit("127.0.0.1").admitted());
        HandshakeLimits.Admission third = handshakes.admit("127.0.0.1");
        assertFalse(third.admitted());
        assertEquals(HandshakeLimits.Refusal.ADDRESS, third.refusal());

        assertTrue(handshakes.admit("127.0.0.2").admitted(), "another address gets the last place");
        HandshakeLimits.Admission fourth = handshakes.admit("127.0.0.3");
        assertEquals(HandshakeLimits.Refusal.TOTAL, fourth.refusal());
        assertEquals(3, handshakes.inHandshake());

        assertEquals(1.0, refused("address"));
        assertEquals(1.0, refused("total"));
        assertEquals(
                3.0, registry.get("mysqlproxy_handshakes_in_progress").gauge().value());

        // A place given back (authenticated, then the connection closed: twice) frees one place only.
        first.place().release();
        first.place().release();
        assertEquals(2, handshakes.inHandshake());
        assertEquals(1, handshakes.inHandshake("127.0.0.1"));
        assertTrue(handshakes.admit("127.0.0.1").admitted());
        assertFalse(handshakes.admit("127.0.0.4").admitted(), "full again, not over");
    }

    @Test
    void anAddressWithNothingInTheHandshakeIsForgotten() {
        HandshakeLimits.Admission admission = handshakes.admit("10.0.0.9");
        admission.place().release();
        assertEquals(0, handshakes.inHandshake("10.0.0.9"));
        assertEquals(0, handshakes.inHandshake());
    }

    @Test
    void theLimitsInForceAreReadAtEachConnection() {
        assertTrue(handshakes.admit("127.0.0.1").admitted());
        limits.set(new ProxyConfig.BeforeLogin(65536, 1, 1));
        assertEquals(
                HandshakeLimits.Refusal.TOTAL, handshakes.admit("127.0.0.2").refusal());
    }

    private double refused(String limit) {
        return registry.get("mysqlproxy_handshakes_refused")
                .tag("limit", limit)
                .counter()
                .count();
    }
}

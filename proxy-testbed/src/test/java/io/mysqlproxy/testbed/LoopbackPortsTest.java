package io.mysqlproxy.testbed;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopbackPortsTest {

    /**
     * A proxy's port and its admin port are picked one after the other, before either is bound: a
     * port handed out once must not come again. 500 random picks from the ~12,000 ports below the
     * ephemeral range would almost surely repeat one (about 10 expected) if nothing prevented it.
     */
    @Test
    void noPortIsHandedOutTwice() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            int port = LoopbackPorts.free();
            assertTrue(port >= 20000, "below the ephemeral range, above 20000: " + port);
            assertTrue(seen.add(port), "port " + port + " handed out twice, pick " + (i + 1));
        }
    }
}

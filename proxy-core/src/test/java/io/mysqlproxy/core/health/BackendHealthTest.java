package io.mysqlproxy.core.health;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Writability;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The hysteresis between check results and backend states: no ejection on one blip, no flapping back. */
class BackendHealthTest {

    private final Backend replica = new Backend(HostPort.parse("127.0.0.1:3307"), BackendRole.REPLICA, "r1", 1);
    private final BackendHealth health = new BackendHealth(replica, 2, 3);

    @Test
    void oneFailedCheckIsNotEnoughToEject() {
        assertNull(health.apply(CheckResult.unreachable("timeout")));
        assertEquals(BackendState.UP, replica.state());
        assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)), "a good check resets the count");
        assertNull(health.apply(CheckResult.unreachable("timeout")));
        assertEquals(BackendState.UP, replica.state());
    }

    @Test
    void ejectedAfterTwoFailuresInARowAndReadmittedOnlyAfterThreeGoodChecks() {
        health.apply(CheckResult.unreachable("timeout"));
        BackendHealth.Transition down = health.apply(CheckResult.unreachable("connection refused"));
        assertNotNull(down);
        assertEquals(BackendState.DOWN, replica.state());
        assertEquals("connection refused", down.reason());
        assertNull(health.apply(CheckResult.unreachable("still refused")), "a transition is reported once");

        assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        assertNull(health.apply(CheckResult.unreachable("flap")), "a failure in between restarts the count");
        assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        assertEquals(BackendState.DOWN, replica.state());
        BackendHealth.Transition up = health.apply(CheckResult.healthy(0, Writability.READ_ONLY));
        assertNotNull(up);
        assertEquals(BackendState.UP, replica.state());
    }

    @Test
    void aLaggingReplicaIsTakenOutAtOnceAndComesBackAfterCatchingUp() {
        BackendHealth.Transition lagging = health.apply(CheckResult.lagging(30, 10, Writability.READ_ONLY));
        assertNotNull(lagging);
        assertEquals(BackendState.LAGGING, replica.state());
        assertEquals(30, replica.lagSeconds());
        health.apply(CheckResult.healthy(1, Writability.READ_ONLY));
        health.apply(CheckResult.healthy(0, Writability.READ_ONLY));
        assertEquals(BackendState.LAGGING, replica.state());
        assertNotNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        assertEquals(BackendState.UP, replica.state());
        assertEquals(0, replica.lagSeconds());
    }

    @Test
    void aDrainingBackendIsLeftAlone() {
        replica.state(BackendState.DRAINING);
        assertNull(health.apply(CheckResult.unreachable("gone")));
        assertNull(health.apply(CheckResult.unreachable("gone")));
        assertEquals(BackendState.DRAINING, replica.state());
        for (int i = 0; i < 5; i++) {
            assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        }
        assertEquals(BackendState.DRAINING, replica.state());
    }
}

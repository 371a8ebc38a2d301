package io.mysqlproxy.core.health;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendCondition;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.DiscoveredBackends;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.TopologyHolder;
import io.mysqlproxy.core.topology.TopologyUpdater;
import io.mysqlproxy.core.topology.Writability;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The hysteresis between check results and backend states: no ejection on one blip, no flapping back. */
class BackendHealthTest {

    private static final HostPort ADDRESS = HostPort.parse("127.0.0.1:3307");

    private final Backend primary = new Backend(HostPort.parse("127.0.0.1:3306"), BackendRole.PRIMARY, "p");
    private final Backend replica = new Backend(ADDRESS, BackendRole.REPLICA, ADDRESS.toString());
    private final TopologyHolder topology = new TopologyHolder(Topology.of(primary, List.of(replica)));
    private final BackendHealth health = new BackendHealth(replica, topology, 2, 3);

    private BackendState state() {
        return topology.current().state(replica);
    }

    private BackendCondition condition() {
        return topology.current().condition(replica);
    }

    /** What discovery publishes when the replica's pod starts terminating. */
    private void drain() {
        TopologyUpdater discovery = new TopologyUpdater(topology, Map.of());
        discovery.accept(new DiscoveredBackends(
                List.of(new DiscoveredBackends.Endpoint(ADDRESS, null, BackendRole.REPLICA, true))));
    }

    @Test
    void oneFailedCheckIsNotEnoughToEject() {
        assertNull(health.apply(CheckResult.unreachable("timeout")));
        assertEquals(BackendState.UP, state());
        assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)), "a good check resets the count");
        assertNull(health.apply(CheckResult.unreachable("timeout")));
        assertEquals(BackendState.UP, state());
    }

    /** Every write waits for the primary while it is away: it comes back on its first good check, within one interval. */
    @Test
    void thePrimaryIsReadmittedOnItsFirstGoodCheck() {
        BackendHealth primaryHealth = new BackendHealth(primary, topology, 2, 3);
        primaryHealth.apply(CheckResult.unreachable("refused"));
        assertNotNull(primaryHealth.apply(CheckResult.unreachable("refused")));
        assertEquals(BackendState.DOWN, topology.current().state(primary));

        BackendHealth.Transition up = primaryHealth.apply(CheckResult.healthy(0, Writability.WRITABLE));
        assertNotNull(up);
        assertEquals(BackendState.UP, topology.current().state(primary));
        assertEquals(Writability.WRITABLE, topology.current().condition(primary).writability());
    }

    @Test
    void ejectedAfterTwoFailuresInARowAndReadmittedOnlyAfterThreeGoodChecks() {
        health.apply(CheckResult.unreachable("timeout"));
        BackendHealth.Transition down = health.apply(CheckResult.unreachable("connection refused"));
        assertNotNull(down);
        assertEquals(BackendState.DOWN, state());
        assertEquals("connection refused", down.reason());
        assertNull(health.apply(CheckResult.unreachable("still refused")), "a transition is reported once");

        assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        assertNull(health.apply(CheckResult.unreachable("flap")), "a failure in between restarts the count");
        assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        assertEquals(BackendState.DOWN, state());
        BackendHealth.Transition up = health.apply(CheckResult.healthy(0, Writability.READ_ONLY));
        assertNotNull(up);
        assertEquals(BackendState.UP, state());
    }

    @Test
    void aLaggingReplicaIsTakenOutAtOnceAndComesBackAfterCatchingUp() {
        BackendHealth.Transition lagging = health.apply(CheckResult.lagging(30, 10, Writability.READ_ONLY));
        assertNotNull(lagging);
        assertEquals(BackendState.LAGGING, state());
        assertEquals(30, condition().lagSeconds());
        health.apply(CheckResult.healthy(1, Writability.READ_ONLY));
        health.apply(CheckResult.healthy(0, Writability.READ_ONLY));
        assertEquals(BackendState.LAGGING, state());
        assertNotNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        assertEquals(BackendState.UP, state());
        assertEquals(0, condition().lagSeconds());
    }

    @Test
    void aCheckPublishesANewSnapshotAndLeavesTheOldOneAsItWas() {
        Topology before = topology.current();
        health.apply(CheckResult.lagging(30, 10, Writability.READ_ONLY));
        Topology after = topology.current();
        assertNotSame(before, after);
        assertEquals(BackendCondition.initial(1), before.condition(replica));
        assertEquals(List.of(replica), before.usableReplicas());
        assertEquals(
                new BackendCondition(BackendState.LAGGING, 30, Writability.READ_ONLY, 1), after.condition(replica));
        assertEquals(List.of(), after.usableReplicas());
        assertSame(before.primary(), after.primary());

        health.apply(CheckResult.lagging(30, 10, Writability.READ_ONLY));
        assertSame(after, topology.current(), "nothing new: no new snapshot");
    }

    @Test
    void aDrainingBackendIsLeftAlone() {
        drain();
        assertNull(health.apply(CheckResult.unreachable("gone")));
        assertNull(health.apply(CheckResult.unreachable("gone")));
        assertEquals(BackendState.DRAINING, state());
        for (int i = 0; i < 5; i++) {
            assertNull(health.apply(CheckResult.healthy(0, Writability.READ_ONLY)));
        }
        assertEquals(BackendState.DRAINING, state());
    }

    @Test
    void aDrainPublishedWhileACheckRunsStands() {
        BackendHealth ejectAtOnce = new BackendHealth(replica, topology, 1, 1);
        Topology judged = topology.current();
        drain();
        assertNull(ejectAtOnce.apply(judged, CheckResult.unreachable("refused")), "judged UP, but it is draining now");
        assertEquals(BackendState.DRAINING, state());
    }

    @Test
    void aReweighPublishedWhileACheckRunsIsKeptAndTheCheckStillCounts() {
        BackendHealth ejectAtOnce = new BackendHealth(replica, topology, 1, 1);
        Topology judged = topology.current();
        new TopologyUpdater(topology, Map.of()).weights(Map.of(ADDRESS, 7));
        assertNotNull(ejectAtOnce.apply(judged, CheckResult.unreachable("refused")));
        assertEquals(new BackendCondition(BackendState.DOWN, -1, Writability.UNKNOWN, 7), condition());
    }

    @Test
    void checksRacingADrainNeverUndoIt() throws InterruptedException {
        BackendHealth flapping = new BackendHealth(replica, topology, 1, 1);
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread checks = new Thread(() -> {
            try {
                for (int i = 0; i < 20_000; i++) {
                    flapping.apply(
                            i % 2 == 0
                                    ? CheckResult.unreachable("refused")
                                    : CheckResult.healthy(0, Writability.READ_ONLY));
                    if (i == 100) {
                        started.countDown();
                    }
                }
            } catch (Throwable e) {
                failed.set(e);
            } finally {
                started.countDown();
            }
        });
        checks.start();
        started.await();
        drain();
        checks.join();
        assertNull(failed.get());
        assertEquals(BackendState.DRAINING, state());
    }
}

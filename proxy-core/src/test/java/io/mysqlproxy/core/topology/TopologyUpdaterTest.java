package io.mysqlproxy.core.topology;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.PrimaryMode;
import io.mysqlproxy.core.config.ProxyConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopologyUpdaterTest {

    private static final HostPort PRIMARY = HostPort.parse("mysql-0.mysql:3306");

    private final Backend primary = new Backend(PRIMARY, BackendRole.PRIMARY, PRIMARY.toString());
    private final TopologyHolder holder = new TopologyHolder(Topology.of(primary, List.of()));
    private final List<String> changes = new ArrayList<>();
    private final TopologyUpdater updater = new TopologyUpdater(holder, Map.of(), new TopologyUpdater.Changes() {
        @Override
        public void added(Backend backend) {
            changes.add("added " + backend.name());
        }

        @Override
        public void stateChanged(Backend backend, BackendState from, BackendState to) {
            changes.add(backend.name() + " " + from.label() + " -> " + to.label());
        }

        @Override
        public void removed(Backend backend) {
            changes.add("removed " + backend.name());
        }
    });

    private static DiscoveredBackends.Endpoint pod(int ordinal) {
        return pod(ordinal, false);
    }

    private static DiscoveredBackends.Endpoint pod(int ordinal, boolean terminating) {
        return new DiscoveredBackends.Endpoint(
                new HostPort("10.0.0." + (10 + ordinal), 3306),
                "mysql-" + ordinal,
                ordinal == 0 ? BackendRole.PRIMARY : BackendRole.REPLICA,
                terminating);
    }

    private void discover(DiscoveredBackends.Endpoint... endpoints) {
        updater.accept(new DiscoveredBackends(Arrays.asList(endpoints)));
    }

    private List<String> replicaNames() {
        return holder.current().replicas().stream().map(Backend::name).toList();
    }

    private Backend replica(String name) {
        return holder.current().replicas().stream()
                .filter(b -> b.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private BackendState state(Backend backend) {
        return holder.current().state(backend);
    }

    /** What a health check would publish: {@code backend} in {@code state}. */
    private void healthSays(Backend backend, BackendState state) {
        Topology current = holder.current();
        assertTrue(holder.compareAndSet(
                current, current.with(backend, current.condition(backend).withState(state))));
    }

    @Test
    void newAddressesBecomeReplicasNamedAfterTheirPods() {
        discover(pod(0), pod(1), pod(2));
        assertEquals(List.of("mysql-1", "mysql-2"), replicaNames());
        Backend one = replica("mysql-1");
        assertEquals(BackendRole.REPLICA, one.role());
        assertEquals(new HostPort("10.0.0.11", 3306), one.address());
        assertEquals(BackendState.UP, state(one));
        assertEquals(List.of("added mysql-1", "added mysql-2"), changes);
    }

    @Test
    void unchangedAddressesKeepTheirBackends() {
        discover(pod(1), pod(2));
        Backend one = replica("mysql-1");
        Backend two = replica("mysql-2");
        Topology before = holder.current();

        discover(pod(1), pod(2));
        assertSame(before, holder.current(), "nothing changed: no new snapshot");

        discover(pod(2), pod(1), pod(3));
        assertSame(one, replica("mysql-1"));
        assertSame(two, replica("mysql-2"));
        assertEquals(List.of("mysql-1", "mysql-2", "mysql-3"), replicaNames(), "known ones first, in their order");
        assertSame(primary, holder.current().primary());
    }

    @Test
    void removedReplicasDrainAndLeaveTheTopology() {
        discover(pod(1), pod(2), pod(3));
        Backend two = replica("mysql-2");
        Backend three = replica("mysql-3");
        changes.clear();

        discover(pod(1));
        assertEquals(List.of("mysql-1"), replicaNames());
        assertEquals(BackendState.DRAINING, state(two));
        assertEquals(BackendState.DRAINING, state(three));
        assertFalse(holder.current().usableReplicas().contains(two), "a draining backend gets no new work");
        assertEquals(
                List.of("mysql-2 up -> draining", "removed mysql-2", "mysql-3 up -> draining", "removed mysql-3"),
                changes);

        discover(pod(1), pod(2));
        Backend back = replica("mysql-2");
        assertEquals(two, back, "the same server in the same role: the same backend");
        assertEquals(BackendState.UP, state(back));
        assertEquals(
                List.of(
                        "mysql-2 up -> draining",
                        "removed mysql-2",
                        "mysql-3 up -> draining",
                        "removed mysql-3",
                        "added mysql-2"),
                changes,
                "but it joins again, with fresh meters and pool");
    }

    @Test
    void terminatingReplicasDrainButStayUntilGone() {
        discover(pod(1), pod(2));
        Backend two = replica("mysql-2");
        healthSays(two, BackendState.DOWN);
        changes.clear();

        discover(pod(1), pod(2, true));
        assertSame(two, replica("mysql-2"));
        assertEquals(BackendState.DRAINING, state(two));
        discover(pod(1), pod(2, true));
        assertEquals(List.of("mysql-2 down -> draining"), changes, "logged and counted once");

        discover(pod(1));
        assertEquals(List.of("mysql-1"), replicaNames());
        assertEquals(List.of("mysql-2 down -> draining", "removed mysql-2"), changes);
    }

    @Test
    void aTerminatingEndpointNeverSeenBeforeIsNotAdded() {
        discover(pod(1), pod(2, true));
        assertEquals(List.of("mysql-1"), replicaNames());
    }

    @Test
    void aDrainedReplicaReportedServingAgainTakesWork() {
        discover(pod(1, true), pod(2));
        discover(pod(1), pod(2));
        discover(pod(1, true));
        discover(pod(1));
        assertEquals(List.of("mysql-1"), replicaNames());
        Backend one = replica("mysql-1");
        discover(pod(1, true));
        assertEquals(BackendState.DRAINING, state(one));
        discover(pod(1));
        assertSame(one, replica("mysql-1"));
        assertEquals(BackendState.UP, state(one));
        assertEquals(List.of(one), holder.current().usableReplicas());
    }

    @Test
    void thePrimaryIsNeverTakenAsAReplica() {
        // By ordinal, whatever its address...
        discover(pod(0), pod(1));
        assertEquals(List.of("mysql-1"), replicaNames());
        // ...and by address, whatever its role.
        discover(new DiscoveredBackends.Endpoint(PRIMARY, null, BackendRole.REPLICA, false), pod(1));
        assertEquals(List.of("mysql-1"), replicaNames());
        discover(pod(0, true), pod(1));
        assertSame(primary, holder.current().primary());
        assertEquals(BackendState.UP, state(primary), "discovery never drains the configured primary");
        assertEquals(List.of("added mysql-1"), changes);
    }

    @Test
    void anAddressReportedTwiceCountsOnceAndServesIfEitherReportSays() {
        discover(pod(1, true), pod(1), pod(2));
        assertEquals(List.of("mysql-1", "mysql-2"), replicaNames());
        assertEquals(BackendState.UP, state(replica("mysql-1")));
    }

    @Test
    void staticDiscoveryReportsTheConfiguredBackendsWithTheirWeights() {
        HostPort r1 = HostPort.parse("db-1:3306");
        HostPort r2 = HostPort.parse("db-2:3306");
        ProxyConfig.Backends config = new ProxyConfig.Backends(
                PRIMARY,
                PrimaryMode.CONFIGURED,
                List.of(r1, r2),
                Map.of(r1, 1, r2, 5),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                new ProxyConfig.Pool(
                        1,
                        Duration.ofMinutes(1),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(1),
                        1,
                        Duration.ofSeconds(10),
                        100),
                new ProxyConfig.OutageBuffer(Duration.ofSeconds(10), 1000),
                new ProxyConfig.PasswordExchange(false, Optional.empty()),
                ProxyConfig.BackendTls.disabled());
        TopologyUpdater weighted = new TopologyUpdater(holder, config.weights());
        try (StaticDiscovery discovery = new StaticDiscovery(config)) {
            discovery.start(weighted);
        }
        assertEquals(List.of("db-1:3306", "db-2:3306"), replicaNames());
        assertEquals(5, holder.current().condition(replica("db-2:3306")).weight());

        weighted.weights(Map.of(r1, 3));
        assertEquals(3, holder.current().condition(replica("db-1:3306")).weight(), "a reload reweighs");
        assertEquals(1, holder.current().condition(replica("db-2:3306")).weight(), "1 unless listed");
        assertSame(primary, holder.current().primary());
        assertEquals("replica db-2:3306", replica("db-2:3306").toString());
    }

    @Test
    void aPromotionSwapsTheRolesWithNewBackendsAndDrainsTheOldOnes() {
        discover(pod(0), pod(1), pod(2));
        Backend one = replica("mysql-1");
        changes.clear();

        updater.promote(one);
        Topology after = holder.current();
        assertEquals(one.address(), after.primary().address());
        assertEquals(BackendRole.PRIMARY, after.primary().role());
        assertEquals("mysql-1", after.primary().name());
        assertEquals(List.of("mysql-2", PRIMARY.toString()), replicaNames(), "the old primary serves as a replica");
        assertEquals(BackendRole.REPLICA, replica(PRIMARY.toString()).role());
        assertEquals(BackendState.DRAINING, state(primary), "work on the old backends finishes; new work moves");
        assertEquals(BackendState.DRAINING, state(one));
        assertEquals(
                List.of(
                        "added mysql-1",
                        "added " + PRIMARY,
                        PRIMARY + " up -> draining",
                        "removed " + PRIMARY,
                        "mysql-1 up -> draining",
                        "removed mysql-1"),
                changes,
                "joiners first: their meters exist before work");

        discover(pod(0), pod(1), pod(2), pod(3));
        assertSame(after.primary(), holder.current().primary(), "discovery does not undo a promotion");
        assertEquals(
                List.of("mysql-2", PRIMARY.toString(), "mysql-3"),
                replicaNames(),
                "the configured primary stays on as a replica; mysql-1, the primary now, is not one");

        updater.promote(replica(PRIMARY.toString()));
        assertEquals(PRIMARY, holder.current().primary().address(), "and back");
        assertEquals(List.of("mysql-2", "mysql-3", "mysql-1"), replicaNames());
    }

    @Test
    void promotingABackendThatLeftMeanwhileDoesNothing() {
        discover(pod(1));
        Backend one = replica("mysql-1");
        discover();
        Topology before = holder.current();
        updater.promote(one);
        assertSame(before, holder.current());
    }

    @Test
    void aChangePublishesANewSnapshotAndLeavesTheOldOneAsItWas() {
        discover(pod(1), pod(2));
        Topology before = holder.current();
        Backend two = replica("mysql-2");

        discover(pod(1), pod(2, true));
        assertNotSame(before, holder.current());
        assertEquals(BackendState.UP, before.state(two), "a snapshot never changes");
        assertEquals(List.of(replica("mysql-1"), two), before.usableReplicas());
        assertEquals(BackendState.DRAINING, state(two));
        assertEquals(List.of(replica("mysql-1")), holder.current().usableReplicas());
    }

    @Test
    void discoveryKeepsWhatAHealthCheckPublishedMeanwhile() {
        discover(pod(1), pod(2));
        Backend one = replica("mysql-1");
        healthSays(one, BackendState.DOWN);
        discover(pod(1), pod(2), pod(3));
        assertEquals(BackendState.DOWN, state(one), "discovery builds on the current snapshot");
    }
}

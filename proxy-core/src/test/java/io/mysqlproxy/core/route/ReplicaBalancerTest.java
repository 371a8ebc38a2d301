package io.mysqlproxy.core.route;

import io.mysqlproxy.core.config.Balancer;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendCondition;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The balancer's choice among the usable replicas of a snapshot, and its preview, which EXPLAIN ROUTE shows. */
class ReplicaBalancerTest {

    private static final Backend PRIMARY = new Backend(new HostPort("primary", 3306), BackendRole.PRIMARY, "primary");
    private static final long MINUTE = 60_000_000_000L;

    private final Map<Backend, Integer> outstanding = new HashMap<>();

    private ReplicaBalancer balancer(Balancer mode) {
        return new ReplicaBalancer(mode, replica -> outstanding.getOrDefault(replica, 0));
    }

    private static List<Backend> replicas(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> new Backend(new HostPort("replica-" + i, 3306), BackendRole.REPLICA, "replica-" + i))
                .toList();
    }

    /** {@code replicas} in the given states (the rest up), weight 1 unless {@code weights} says otherwise. */
    private static Topology topology(
            List<Backend> replicas, Map<Backend, BackendState> states, Map<Backend, Integer> weights) {
        Map<Backend, BackendCondition> conditions = new HashMap<>();
        conditions.put(PRIMARY, BackendCondition.initial(1));
        for (Backend replica : replicas) {
            conditions.put(
                    replica,
                    BackendCondition.initial(weights.getOrDefault(replica, 1))
                            .withState(states.getOrDefault(replica, BackendState.UP)));
        }
        return new Topology(PRIMARY, replicas, conditions);
    }

    @ParameterizedTest
    @EnumSource(
            value = Balancer.class,
            names = {"LEAST_OUTSTANDING", "ROUND_ROBIN"})
    void previewIsTheNextChoiceAndTakesNoTurn(Balancer mode) {
        Topology topology = Topology.of(PRIMARY, replicas(3));
        ReplicaBalancer balancer = balancer(mode);
        for (int i = 0; i < 7; i++) {
            Backend preview = balancer.preview(topology, false);
            assertSame(preview, balancer.preview(topology, false), "a second preview: no turn was taken");
            assertSame(preview, balancer.choose(topology, false), "choice " + i);
        }
    }

    @Test
    void previewSeesTheSameLoadAsTheChoice() {
        List<Backend> replicas = replicas(2);
        Topology topology = Topology.of(PRIMARY, replicas);
        outstanding.put(replicas.get(0), 1);
        ReplicaBalancer balancer = balancer(Balancer.LEAST_OUTSTANDING);
        for (int i = 0; i < 4; i++) {
            assertSame(replicas.get(1), balancer.preview(topology, false));
            assertSame(replicas.get(1), balancer.choose(topology, false));
        }
    }

    @Test
    void leastOutstandingTakesTheLeastBusyUsableReplica() {
        List<Backend> replicas = replicas(4);
        Topology topology = topology(replicas, Map.of(replicas.get(3), BackendState.DOWN), Map.of());
        outstanding.putAll(Map.of(replicas.get(0), 5, replicas.get(1), 2, replicas.get(2), 2, replicas.get(3), 0));
        ReplicaBalancer balancer = balancer(Balancer.LEAST_OUTSTANDING);
        Map<Backend, Integer> chosen = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            chosen.merge(balancer.choose(topology, false), 1, Integer::sum);
        }
        assertEquals(
                Set.of(replicas.get(1), replicas.get(2)),
                chosen.keySet(),
                "never the busiest, never the idle but down one; both of the tied ones");

        outstanding.put(replicas.get(0), 0);
        assertSame(replicas.get(0), balancer.choose(topology, false), "the load is read at each choice");
    }

    @Test
    void roundRobinTakesTheUsableReplicasInTurn() {
        List<Backend> replicas = replicas(3);
        Topology topology = topology(replicas, Map.of(replicas.get(1), BackendState.LAGGING), Map.of());
        ReplicaBalancer balancer = balancer(Balancer.ROUND_ROBIN);
        Map<Backend, Integer> chosen = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            chosen.merge(balancer.choose(topology, false), 1, Integer::sum);
        }
        assertEquals(Map.of(replicas.get(0), 5, replicas.get(2), 5), chosen);
    }

    @ParameterizedTest
    @EnumSource(Balancer.class)
    void previewFindsNothingWhenNoReplicaIsUsable(Balancer mode) {
        List<Backend> replicas = replicas(2);
        ReplicaBalancer balancer = balancer(mode);
        assertNull(balancer.preview(
                topology(
                        replicas,
                        Map.of(replicas.get(0), BackendState.DOWN, replicas.get(1), BackendState.DOWN),
                        Map.of()),
                false));
        assertNull(balancer.preview(Topology.of(PRIMARY, List.of()), false));
        Topology oneUp = topology(replicas, Map.of(replicas.get(0), BackendState.DOWN), Map.of());
        assertSame(replicas.get(1), balancer.preview(oneUp, false));
        balancer.coolDown(replicas.get(1), MINUTE);
        assertNull(balancer.preview(oneUp, true), "cooling down: skipped by reads that follow a write");
        assertSame(replicas.get(1), balancer.preview(oneUp, false), "but not by other reads");
    }

    @ParameterizedTest
    @EnumSource(Balancer.class)
    void aCoolingDownReplicaIsAvoidedUntilTheCooldownEnds(Balancer mode) {
        List<Backend> replicas = replicas(2);
        Topology topology = Topology.of(PRIMARY, replicas);
        outstanding.put(replicas.get(1), 3);
        ReplicaBalancer balancer = balancer(mode);
        balancer.coolDown(replicas.get(0), MINUTE);
        assertTrue(balancer.coolingDown(replicas.get(0)));
        for (int i = 0; i < 6; i++) {
            assertSame(replicas.get(1), balancer.choose(topology, true), "even when busier: choice " + i);
        }
        balancer.coolDown(replicas.get(0), 0);
        assertFalse(balancer.coolingDown(replicas.get(0)), "a cooldown ends");
        assertFalse(balancer.coolingDown(replicas.get(1)), "and only ever concerned the replica that timed out");
    }

    @Test
    void weightedPreviewDrawsAmongUsableReplicas() {
        List<Backend> replicas = replicas(3);
        Topology topology = topology(replicas, Map.of(replicas.get(0), BackendState.LAGGING), Map.of());
        ReplicaBalancer balancer = balancer(Balancer.WEIGHTED);
        for (int i = 0; i < 50; i++) {
            Backend preview = balancer.preview(topology, false);
            assertTrue(preview == replicas.get(1) || preview == replicas.get(2), String.valueOf(preview));
        }
        assertEquals(BackendState.LAGGING, topology.state(replicas.get(0)));
    }

    @Test
    void weightedDrawsByTheSnapshotsWeights() {
        List<Backend> replicas = replicas(2);
        Topology topology = topology(replicas, Map.of(), Map.of(replicas.get(0), 0, replicas.get(1), 3));
        ReplicaBalancer balancer = balancer(Balancer.WEIGHTED);
        for (int i = 0; i < 50; i++) {
            assertSame(replicas.get(1), balancer.choose(topology, false), "weight 0 never drawn");
        }
    }
}

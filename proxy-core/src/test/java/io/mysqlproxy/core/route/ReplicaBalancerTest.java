package io.mysqlproxy.core.route;

import io.mysqlproxy.core.config.Balancer;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The balancer's preview, which EXPLAIN ROUTE shows: what the next choice would be, without taking a turn. */
class ReplicaBalancerTest {

    private static List<Backend> replicas(int n) {
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> new Backend(new HostPort("replica-" + i, 3306), BackendRole.REPLICA, "replica-" + i, 1))
                .toList();
    }

    @ParameterizedTest
    @EnumSource(value = Balancer.class, names = {"LEAST_OUTSTANDING", "ROUND_ROBIN"})
    void previewIsTheNextChoiceAndTakesNoTurn(Balancer mode) {
        List<Backend> replicas = replicas(3);
        ReplicaBalancer balancer = new ReplicaBalancer(mode);
        for (int i = 0; i < 7; i++) {
            Backend preview = balancer.preview(replicas, false);
            assertSame(preview, balancer.preview(replicas, false), "a second preview: no turn was taken");
            assertSame(preview, balancer.choose(replicas, false), "choice " + i);
        }
    }

    @Test
    void previewSeesTheSameLoadAsTheChoice() {
        List<Backend> replicas = replicas(2);
        replicas.get(0).requestStarted();
        ReplicaBalancer balancer = new ReplicaBalancer(Balancer.LEAST_OUTSTANDING);
        for (int i = 0; i < 4; i++) {
            assertSame(replicas.get(1), balancer.preview(replicas, false));
            assertSame(replicas.get(1), balancer.choose(replicas, false));
        }
    }

    @ParameterizedTest
    @EnumSource(Balancer.class)
    void previewFindsNothingWhenNoReplicaIsUsable(Balancer mode) {
        List<Backend> replicas = replicas(2);
        replicas.forEach(r -> r.state(BackendState.DOWN));
        ReplicaBalancer balancer = new ReplicaBalancer(mode);
        assertNull(balancer.preview(replicas, false));
        assertNull(balancer.preview(List.of(), false));
        replicas.get(1).state(BackendState.UP);
        assertSame(replicas.get(1), balancer.preview(replicas, false));
        replicas.get(1).coolDownForConsistency(60_000_000_000L);
        assertNull(balancer.preview(replicas, true), "cooling down: skipped by reads that follow a write");
    }

    @Test
    void weightedPreviewDrawsAmongUsableReplicas() {
        List<Backend> replicas = replicas(3);
        replicas.get(0).state(BackendState.LAGGING);
        ReplicaBalancer balancer = new ReplicaBalancer(Balancer.WEIGHTED);
        for (int i = 0; i < 50; i++) {
            Backend preview = balancer.preview(replicas, false);
            assertTrue(preview == replicas.get(1) || preview == replicas.get(2), String.valueOf(preview));
        }
        assertEquals(BackendState.LAGGING, replicas.get(0).state());
    }
}

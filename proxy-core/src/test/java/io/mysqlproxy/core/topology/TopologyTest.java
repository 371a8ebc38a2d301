package io.mysqlproxy.core.topology;

import io.mysqlproxy.core.config.HostPort;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TopologyTest {

    private static final HostPort A = HostPort.parse("10.0.0.1:3306");
    private final Backend primary = new Backend(HostPort.parse("10.0.0.0:3306"), BackendRole.PRIMARY, "mysql-0");
    private final Backend replica = new Backend(A, BackendRole.REPLICA, "mysql-1");

    @Test
    void aBackendIsAValueAndItsRoleIsPartOfIt() {
        assertEquals(replica, new Backend(A, BackendRole.REPLICA, "mysql-1"));
        assertEquals(replica.hashCode(), new Backend(A, BackendRole.REPLICA, "mysql-1").hashCode());
        assertNotEquals(replica, new Backend(A, BackendRole.PRIMARY, "mysql-1"), "a promotion makes a new backend");
        assertEquals("mysql-1", replica.pod());
        assertNull(new Backend(A, BackendRole.REPLICA, A.toString()).pod(), "only an address: no pod");
        assertEquals("replica mysql-1 (10.0.0.1:3306)", replica.toString());
    }

    @Test
    void withMakesANewSnapshotAndLeavesThisOneAsItWas() {
        Topology before = Topology.of(primary, List.of(replica));
        Topology after = before.with(replica, before.condition(replica).withState(BackendState.DOWN));
        assertEquals(BackendState.UP, before.state(replica));
        assertEquals(List.of(replica), before.usableReplicas());
        assertEquals(BackendState.DOWN, after.state(replica));
        assertEquals(List.of(), after.usableReplicas());
        assertEquals(List.of(replica), after.replicas());
        assertThrows(UnsupportedOperationException.class, () -> after.replicas().add(replica));
        assertThrows(
                UnsupportedOperationException.class,
                () -> after.usableReplicas().clear());
    }

    @Test
    void aBackendOutsideTheSnapshotHasNoConditionAndCountsAsDraining() {
        Topology topology = Topology.of(primary, List.of());
        assertNull(topology.condition(replica));
        assertEquals(BackendState.DRAINING, topology.state(replica));
        assertSame(topology, topology.with(replica, BackendCondition.initial(1)), "not a member: nothing to change");
    }

    @Test
    void everyMemberNeedsACondition() {
        assertThrows(
                NullPointerException.class,
                () -> new Topology(primary, List.of(replica), Map.of(primary, BackendCondition.initial(1))));
    }
}

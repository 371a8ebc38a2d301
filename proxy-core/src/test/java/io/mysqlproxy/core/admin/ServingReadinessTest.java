package io.mysqlproxy.core.admin;

import com.fasterxml.jackson.jr.ob.JSON;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The readiness rule: ready while the proxy listens and a replica or the primary can serve reads. */
class ServingReadinessTest {

    private static final Backend PRIMARY = new Backend(new HostPort("mysql-0", 3306), BackendRole.PRIMARY, "mysql-0");
    private static final Backend REPLICA_1 = new Backend(new HostPort("mysql-1", 3306), BackendRole.REPLICA, "mysql-1");
    private static final Backend REPLICA_2 = new Backend(new HostPort("mysql-2", 3306), BackendRole.REPLICA, "mysql-2");

    private static Topology topology(BackendState primary, BackendState replica1, BackendState replica2) {
        Topology all = Topology.of(PRIMARY, List.of(REPLICA_1, REPLICA_2));
        return all.with(PRIMARY, all.condition(PRIMARY).withState(primary))
                .with(REPLICA_1, all.condition(REPLICA_1).withState(replica1))
                .with(REPLICA_2, all.condition(REPLICA_2).withState(replica2));
    }

    @ParameterizedTest(name = "primary {0}, replicas {1} {2}: ready {3}, reads {4}, writes {5}")
    @CsvSource({
        // primary, replica 1, replica 2, ready, reads, writes
        "UP,       UP,       UP,       true,  true,  true",
        "DOWN,     UP,       UP,       true,  true,  false",
        "DOWN,     UP,       DOWN,     true,  true,  false",
        "UP,       DOWN,     UP,       true,  true,  true",
        "UP,       DOWN,     DOWN,     true,  true,  true",
        "UP,       LAGGING,  DRAINING, true,  true,  true",
        "DOWN,     LAGGING,  DOWN,     false, false, false",
        "DOWN,     DOWN,     DOWN,     false, false, false",
        "DRAINING, DOWN,     DOWN,     false, false, false",
    })
    void readyWhileReadsCanBeServed(
            BackendState primary,
            BackendState replica1,
            BackendState replica2,
            boolean ready,
            boolean reads,
            boolean writes) {
        Readiness.State state = ServingReadiness.of(true, topology(primary, replica1, replica2), null);
        assertEquals(ready, state.ready(), state.reason());
        assertEquals(reads, state.reads(), state.reason());
        assertEquals(writes, state.writes(), state.reason());
    }

    @Test
    void thePrimaryDownSaysReadsOnly() throws IOException {
        Readiness.State state =
                ServingReadiness.of(true, topology(BackendState.DOWN, BackendState.UP, BackendState.DOWN), null);
        assertEquals(
                Map.of(
                        "ready", true,
                        "reads", true,
                        "writes", false,
                        "reason", "reads only: primary mysql-0 down, 1 of 2 replicas up"),
                parse(state.json()));
    }

    @Test
    void refusedWritesLeaveTheProxyReadyForReads() throws IOException {
        Readiness.State state = ServingReadiness.of(
                true, topology(BackendState.UP, BackendState.UP, BackendState.UP), "two \"writable\" servers");
        assertEquals(new Readiness.State(true, true, false, state.reason()), state);
        String json = state.json();
        assertTrue(json.endsWith("}\n") && json.indexOf('\n') == json.length() - 1, "one line: " + json);
        assertEquals(
                "reads only, writes refused (two \"writable\" servers): primary mysql-0 up, 2 of 2 replicas up",
                parse(json).get("reason"));
    }

    @Test
    void drainingIsNotReadyWhateverTheBackends() {
        Readiness.State state =
                ServingReadiness.of(false, topology(BackendState.UP, BackendState.UP, BackendState.UP), null);
        assertFalse(state.ready());
        assertFalse(state.reads());
        assertFalse(state.writes());
    }

    private static Map<String, Object> parse(String json) throws IOException {
        return JSON.std.mapFrom(json);
    }
}

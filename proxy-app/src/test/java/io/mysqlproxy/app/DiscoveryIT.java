package io.mysqlproxy.app;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.DiscoveredBackends;
import io.mysqlproxy.core.topology.Discovery;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replicas that come and go at run time, as Kubernetes discovery reports them: reads follow the
 * reported set (seen through {@code @@server_id}: primary 1, replicas 2 and 3), a terminating
 * replica gets no new reads, and the primary is never read from as a replica.
 */
@ExtendWith(TestBedExtension.class)
class DiscoveryIT {

    private static final int PRIMARY = 1;

    /** A discovery the test drives: it reports what it is told, when told. */
    private static final class PushedDiscovery implements Discovery {
        private volatile Consumer<DiscoveredBackends> listener;
        private volatile DiscoveredBackends current;
        private volatile boolean closed;

        PushedDiscovery(DiscoveredBackends initial) {
            this.current = initial;
        }

        @Override
        public void start(Consumer<DiscoveredBackends> listener) {
            this.listener = listener;
            closed = false;
            listener.accept(current);
        }

        void push(DiscoveredBackends next) {
            current = next;
            listener.accept(next);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static DiscoveredBackends.Endpoint endpoint(TestBedServer server, int ordinal, boolean terminating) {
        return new DiscoveredBackends.Endpoint(
                new HostPort(server.host(), server.port()),
                "mysql-" + ordinal,
                ordinal == 0 ? BackendRole.PRIMARY : BackendRole.REPLICA,
                terminating);
    }

    private static DiscoveredBackends set(DiscoveredBackends.Endpoint... endpoints) {
        return new DiscoveredBackends(List.of(endpoints));
    }

    private static Set<Integer> readFrom(Statement s) throws SQLException {
        Set<Integer> seen = new TreeSet<>();
        for (int i = 0; i < 60; i++) {
            seen.add(ReadWriteSplitIT.serverId(s, "SELECT @@server_id"));
        }
        return seen;
    }

    @Test
    void readsFollowTheDiscoveredReplicas(ReplicatedTestBed bed) throws SQLException {
        bed.heal();
        TestBedServer primary = bed.primary();
        TestBedServer one = bed.replicas().get(0);
        TestBedServer two = bed.replicas().get(1);
        PushedDiscovery discovery = new PushedDiscovery(set(endpoint(primary, 0, false)));
        try (ProxyFixture proxy = ProxyFixture.start(
                        bed, ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.backends.replicas = []", discovery);
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            assertEquals(List.of(), proxy.server().runtime().topology().replicas(), "ordinal 0 is the primary");
            assertEquals(Set.of(PRIMARY), readFrom(s), "no replica yet: reads fall back to the primary");

            discovery.push(set(endpoint(primary, 0, false), endpoint(one, 1, false), endpoint(two, 2, false)));
            assertEquals(Set.of(one.serverId(), two.serverId()), readFrom(s));
            List<Backend> replicas =
                    new ArrayList<>(proxy.server().runtime().topology().replicas());

            discovery.push(set(endpoint(primary, 0, false), endpoint(one, 1, false), endpoint(two, 2, true)));
            assertEquals(Set.of(one.serverId()), readFrom(s), "a terminating replica gets no new reads");
            assertSame(
                    replicas.get(1),
                    proxy.server().runtime().topology().replicas().get(1));
            assertEquals(BackendState.DRAINING, proxy.state(replicas.get(1)));

            discovery.push(set(endpoint(primary, 0, false), endpoint(one, 1, false)));
            assertEquals(
                    List.of(replicas.get(0)),
                    proxy.server().runtime().topology().replicas(),
                    "the replica still reported keeps its backend");
            assertEquals(Set.of(one.serverId()), readFrom(s));

            discovery.push(set(endpoint(primary, 0, false)));
            assertEquals(Set.of(PRIMARY), readFrom(s));
            assertEquals(BackendState.DRAINING, proxy.state(replicas.get(0)));
        }
        assertTrue(discovery.closed, "the server closes its discovery");
        assertFalse(discovery.current.endpoints().isEmpty());
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Global consistency against real lag: every replica applies events a second late ({@code MASTER_DELAY} /
 * {@code SOURCE_DELAY = 1}), under a consistency wait timeout above that delay. A write on one session
 * followed at once by a read on another session under {@code global} returns the write in every one of
 * 1,000 tries, run concurrently over many session pairs, and the replicas serve those reads (they wait
 * for the primary's position there), not the fallback to the primary. Under {@code eventual}, the same
 * reads miss the write, which shows the lag is real. The delay is taken off again at the end.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides(ProxyFixture.NATIVE_PASSWORD_APP + """

        mysql-proxy.routing.consistency = eventual
        mysql-proxy.routing.consistency-wait-timeout = 5s
        """)
class GlobalConsistencyIT {

    private static final Logger log = LoggerFactory.getLogger(GlobalConsistencyIT.class);
    private static final int PAIRS = 100;
    private static final int TRIES_PER_PAIR = 10;
    private static final int EVENTUAL_TRIES = 20;
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @Test
    void aReadOnAnotherSessionSeesAWriteThatCommittedBeforeIt(ProxyFixture proxy, ReplicatedTestBed bed)
            throws Exception {
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS global_reads");
            s.execute("CREATE TABLE global_reads (id INT PRIMARY KEY, v INT NOT NULL)");
        }
        bed.awaitReplication();
        delayReplicas(bed, 1);
        try {
            awaitReplicasUp(proxy, bed);
            eventualReadsMissTheWrite(proxy);
            globalReadsSeeTheWrite(proxy, bed);
        } finally {
            delayReplicas(bed, 0);
            bed.awaitReplication();
            awaitReplicasUp(proxy, bed);
        }
    }

    private static void eventualReadsMissTheWrite(ProxyFixture proxy) throws SQLException {
        int stale = 0;
        try (Connection writer = proxy.connect("");
                Connection reader = proxy.connect("");
                Statement w = writer.createStatement();
                Statement r = reader.createStatement()) {
            for (int i = 1; i <= EVENTUAL_TRIES; i++) {
                int id = -i;
                w.executeUpdate("INSERT INTO global_reads VALUES (" + id + ", " + i + ")");
                try (ResultSet rs = r.executeQuery("SELECT v FROM global_reads WHERE id = " + id)) {
                    if (!rs.next()) {
                        stale++;
                    }
                }
            }
        }
        log.info("eventual consistency: {} of {} reads on another session missed the write", stale, EVENTUAL_TRIES);
        assertTrue(stale > EVENTUAL_TRIES / 2, "the replicas' delay must show under eventual: " + stale + " stale");
    }

    private static void globalReadsSeeTheWrite(ProxyFixture proxy, ReplicatedTestBed bed) throws Exception {
        long lookupsBefore = stat(proxy, "global_position_lookups");
        long onReplicasBefore = stat(proxy, "routing_decisions.consistency_global");
        long fallbacksBefore = stat(proxy, "routing_decisions.consistency_fallback");
        long started = System.nanoTime();
        ExecutorService pairs = Executors.newFixedThreadPool(PAIRS);
        List<Future<Result>> results = new ArrayList<>();
        try {
            for (int pair = 0; pair < PAIRS; pair++) {
                int first = pair * TRIES_PER_PAIR;
                results.add(pairs.submit(() -> tries(proxy, first)));
            }
            Result total = new Result();
            for (Future<Result> result : results) {
                total.add(result.get(WITHIN.toSeconds(), TimeUnit.SECONDS));
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long lookups = stat(proxy, "global_position_lookups") - lookupsBefore;
            long onReplicas = stat(proxy, "routing_decisions.consistency_global") - onReplicasBefore;
            long fallbacks = stat(proxy, "routing_decisions.consistency_fallback") - fallbacksBefore;
            log.info(
                    "global consistency ({}): {} write-then-read tries over {} session pairs in {} s, {} missing,"
                            + " reads by server {}, {} position lookups ({} reads each on average), {} reads routed"
                            + " to replicas, {} fell back to the primary",
                    bed.flavour(),
                    total.tries,
                    PAIRS,
                    String.format("%.1f", seconds),
                    total.missing,
                    total.servers,
                    lookups,
                    lookups == 0 ? "-" : String.format("%.1f", (double) total.tries / lookups),
                    onReplicas,
                    fallbacks);
            assertEquals(PAIRS * TRIES_PER_PAIR, total.tries);
            assertEquals(
                    0, total.missing, "reads that missed another session's write; reads by server " + total.servers);
            long byReplicas = bed.replicas().stream()
                    .mapToLong(r -> total.servers.getOrDefault(r.serverId(), 0))
                    .sum();
            assertTrue(
                    byReplicas > total.tries / 2,
                    "the replicas, waiting for the position, serve most reads: " + total.servers);
            assertEquals(byReplicas, onReplicas, "each replica read was routed as consistency_global");
            assertTrue(lookups > 0 && lookups < total.tries, "lookups are shared: " + lookups + " for " + total.tries);
        } finally {
            pairs.shutdownNow();
        }
    }

    /** One session pair: the writer inserts a row, the reader asks for it at once, under global consistency. */
    private static Result tries(ProxyFixture proxy, int firstId) throws SQLException {
        Result result = new Result();
        try (Connection writer = proxy.connect("");
                Connection reader = proxy.connect("");
                Statement w = writer.createStatement();
                Statement r = reader.createStatement()) {
            r.execute("SET proxy_consistency = 'global'");
            for (int id = firstId; id < firstId + TRIES_PER_PAIR; id++) {
                w.executeUpdate("INSERT INTO global_reads VALUES (" + id + ", " + (id * 3) + ")");
                try (ResultSet rs = r.executeQuery("SELECT v, @@server_id FROM global_reads WHERE id = " + id)) {
                    result.tries++;
                    if (rs.next() && rs.getInt(1) == id * 3) {
                        result.servers.merge(rs.getInt(2), 1, Integer::sum);
                    } else {
                        result.missing++;
                    }
                }
            }
        }
        return result;
    }

    /** Every replica applies events {@code seconds} after the primary committed them (0: at once). */
    private static void delayReplicas(ReplicatedTestBed bed, int seconds) throws SQLException {
        boolean mariaDb = bed.flavour() == ServerFlavour.MARIADB;
        for (TestBedServer replica : bed.replicas()) {
            try (Connection root = replica.connectAsRoot();
                    Statement s = root.createStatement()) {
                s.execute("STOP REPLICA");
                s.execute(
                        mariaDb
                                ? "CHANGE MASTER TO MASTER_DELAY = " + seconds
                                : "CHANGE REPLICATION SOURCE TO SOURCE_DELAY = " + seconds);
                s.execute("START REPLICA");
            }
        }
    }

    private static void awaitReplicasUp(ProxyFixture proxy, ReplicatedTestBed bed) {
        for (TestBedServer replica : bed.replicas()) {
            Backend backend = proxy.replica(replica);
            Awaits.state(proxy, backend, BackendState.UP, WITHIN);
        }
    }

    private static long stat(ProxyFixture proxy, String name) {
        return proxy.server().runtime().metrics().stats().stream()
                .filter(stat -> stat.name().equals(name))
                .mapToLong(ProxyMetrics.Stat::value)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no stat " + name));
    }

    private static final class Result {
        int tries;
        int missing;
        final Map<Integer, Integer> servers = new TreeMap<>();

        void add(Result other) {
            tries += other.tries;
            missing += other.missing;
            other.servers.forEach((server, reads) -> servers.merge(server, reads, Integer::sum));
        }
    }
}

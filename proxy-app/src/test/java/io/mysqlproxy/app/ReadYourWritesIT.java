package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Read-your-writes with one replica held back on purpose (its SQL thread stopped, so it never
 * applies new writes): under {@code session} consistency a session always reads back what it just
 * wrote, and the stale replica still serves reads that follow no write; under {@code eventual} the
 * lag shows. The figures are logged for the notes.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
// No health checks: they would take the held-back replica out of service (its SQL thread is stopped),
// and this test is about a stale replica that is still serving, as one within max-replication-lag is.
@ProxyOverrides(ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.monitor.user = \"\"")
class ReadYourWritesIT {

    private static final Logger log = LoggerFactory.getLogger(ReadYourWritesIT.class);
    private static final int SESSION_ITERATIONS = Integer.getInteger("ryw.iterations", 10_000);
    private static final int EVENTUAL_ITERATIONS = 2_000;

    /** A fresh table, and the second replica's SQL thread stopped until {@link #releaseTheReplica}. */
    private static TestBedServer holdBackOneReplica(ReplicatedTestBed bed) throws SQLException {
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS ryw");
            s.execute("CREATE TABLE ryw (id INT PRIMARY KEY, v INT NOT NULL)");
        }
        bed.awaitReplication();
        TestBedServer delayed = bed.replicas().get(1);
        try (Connection root = delayed.connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute("STOP SLAVE SQL_THREAD");
        }
        return delayed;
    }

    private static void releaseTheReplica(ReplicatedTestBed bed, TestBedServer delayed) throws SQLException {
        try (Connection root = delayed.connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute("START SLAVE SQL_THREAD");
        }
        bed.awaitReplication();
    }

    @Test
    void sessionConsistencyReadsEveryWriteBackWhileTheStaleReplicaServesOtherReads(
            ProxyFixture proxy, ReplicatedTestBed bed) throws SQLException {
        TestBedServer delayed = holdBackOneReplica(bed);
        try {
            sessionConsistency(proxy, delayed);
        } finally {
            releaseTheReplica(bed, delayed);
        }
    }

    private static void sessionConsistency(ProxyFixture proxy, TestBedServer delayed) throws SQLException {
        int missing = 0;
        Map<Integer, Integer> readServers = new TreeMap<>();
        long started = System.nanoTime();
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.execute("SET proxy_consistency = 'session'");
            for (int i = 1; i <= SESSION_ITERATIONS; i++) {
                s.executeUpdate("INSERT INTO ryw VALUES (" + i + ", " + (i * 7) + ")");
                try (ResultSet rs = s.executeQuery("SELECT v, @@server_id FROM ryw WHERE id = " + i)) {
                    if (rs.next() && rs.getInt(1) == i * 7) {
                        readServers.merge(rs.getInt(2), 1, Integer::sum);
                    } else {
                        missing++;
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        log.info(
                "session consistency: {} write-then-read iterations in {} s, {} missing, reads by server {}",
                SESSION_ITERATIONS,
                String.format("%.1f", seconds),
                missing,
                readServers);
        assertEquals(0, missing, "reads that missed the session's own write; reads by server " + readServers);
        assertEquals(
                0,
                readServers.getOrDefault(delayed.serverId(), 0),
                "the held-back replica cannot have served a read of a new row: " + readServers);
        assertTrue(readServers.getOrDefault(2, 0) > 0, "the caught-up replica should serve most reads: " + readServers);

        // A session that has not written may read from the stale replica.
        Map<Integer, Integer> plainReads = new TreeMap<>();
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            for (int i = 0; i < 200; i++) {
                try (ResultSet rs = s.executeQuery("SELECT @@server_id")) {
                    assertTrue(rs.next());
                    plainReads.merge(rs.getInt(1), 1, Integer::sum);
                }
            }
        }
        log.info("session consistency, reads that follow no write, by server: {}", plainReads);
        assertTrue(
                plainReads.getOrDefault(delayed.serverId(), 0) > 0,
                "the held-back replica still serves reads that follow no write: " + plainReads);
    }

    @Test
    void eventualConsistencyShowsTheLag(ProxyFixture proxy, ReplicatedTestBed bed) throws SQLException {
        TestBedServer delayed = holdBackOneReplica(bed);
        try {
            eventualConsistency(proxy);
        } finally {
            releaseTheReplica(bed, delayed);
        }
    }

    private static void eventualConsistency(ProxyFixture proxy) throws SQLException {
        int stale = 0;
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement();
                PreparedStatement insert = c.prepareStatement("INSERT INTO ryw VALUES (?, ?)")) {
            s.execute("SET proxy_consistency = 'eventual'");
            for (int i = 1; i <= EVENTUAL_ITERATIONS; i++) {
                insert.setInt(1, i);
                insert.setInt(2, i);
                insert.executeUpdate();
                try (ResultSet rs = s.executeQuery("SELECT v FROM ryw WHERE id = " + i)) {
                    if (!rs.next()) {
                        stale++;
                    }
                }
            }
        }
        log.info(
                "eventual consistency: {} of {} reads right after the write missed it ({}%)",
                stale, EVENTUAL_ITERATIONS, String.format("%.1f", 100.0 * stale / EVENTUAL_ITERATIONS));
        assertTrue(
                stale > EVENTUAL_ITERATIONS / 10,
                "with one replica held back, eventual reads must show the lag: " + stale + " stale of "
                        + EVENTUAL_ITERATIONS);
    }

    @Test
    void anUnknownConsistencyIsRefused(ProxyFixture proxy) throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    SQLException.class, () -> s.execute("SET proxy_consistency = 'sometimes'"));
            assertEquals(1231, refused.getErrorCode());
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the session goes on after the refusal");
            }
        }
    }
}

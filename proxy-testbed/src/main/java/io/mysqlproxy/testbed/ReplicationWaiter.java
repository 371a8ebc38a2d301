package io.mysqlproxy.testbed;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/** Waits until replicas have applied everything the primary has binlogged so far. */
final class ReplicationWaiter {

    private static final long POLL_MILLIS = 50;

    private ReplicationWaiter() {}

    /**
     * Reads the primary's GTID position once, then for each running replica waits for both replication threads
     * to run and for {@code MASTER_GTID_WAIT} (MariaDB) or {@code WAIT_FOR_EXECUTED_GTID_SET} (MySQL) to report
     * that position applied.
     *
     * @throws IllegalStateException on timeout or a replication error, with the replica's status
     */
    static void await(TestBedServer primary, List<TestBedServer> replicas, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!primary.isRunning()) {
            throw new IllegalStateException("Cannot await replication: the primary is not running");
        }
        try {
            String position = primaryPosition(primary);
            for (TestBedServer replica : replicas) {
                if (replica.isRunning()) {
                    awaitReplica(replica, position, deadline, timeout);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot await replication: " + e.getMessage(), e);
        }
    }

    private static String primaryPosition(TestBedServer primary) throws SQLException {
        try (Connection connection = primary.connectAsRoot();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(primary.flavour().recipe().primaryPositionQuery())) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void awaitReplica(TestBedServer replica, String position, long deadline, Duration timeout)
            throws SQLException {
        try (Connection connection = replica.connectAsRoot()) {
            awaitThreads(replica, connection, deadline, timeout);
            // Whole seconds: MySQL's WAIT_FOR_EXECUTED_GTID_SET takes no fractions.
            long remainingSeconds = Math.max(1, (deadline - System.nanoTime() + 999_999_999L) / 1_000_000_000L);
            String query = replica.flavour().recipe().waitForPositionQuery();
            try (PreparedStatement wait = connection.prepareStatement(query)) {
                wait.setString(1, position);
                wait.setLong(2, remainingSeconds);
                try (ResultSet rs = wait.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) != 0) {
                        throw new IllegalStateException(replica + " did not reach GTID " + position + " within "
                                + timeout + "; status: " + status(replica, connection));
                    }
                }
            }
        }
    }

    private static void awaitThreads(TestBedServer replica, Connection connection, long deadline, Duration timeout)
            throws SQLException {
        while (true) {
            ReplicaStatus status = ReplicaStatus.read(connection, replica.flavour())
                    .orElseThrow(() -> new IllegalStateException(replica + " is not configured as a replica"));
            if (status.threadsRunning()) {
                return;
            }
            if (status.sqlThreadFailed()) {
                throw new IllegalStateException(replica + " stopped replicating: " + status);
            }
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException(
                        replica + " replication threads not running within " + timeout + ": " + status);
            }
            sleep();
        }
    }

    private static String status(TestBedServer replica, Connection connection) throws SQLException {
        return ReplicaStatus.read(connection, replica.flavour())
                .map(ReplicaStatus::toString)
                .orElse("not a replica");
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while awaiting replication", e);
        }
    }
}

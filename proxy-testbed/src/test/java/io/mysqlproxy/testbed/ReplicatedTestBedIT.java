package io.mysqlproxy.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs against real servers of the chosen flavour; each test uses its own table because the bed is shared. */
@ExtendWith(TestBedExtension.class)
class ReplicatedTestBedIT {

    /** ER_OPTION_PREVENTS_STATEMENT: "The ... server is running with the --read-only option". */
    private static final int READ_ONLY_ERROR = 1290;

    private final ReplicatedTestBed bed;

    ReplicatedTestBedIT(ReplicatedTestBed bed) {
        this.bed = bed;
    }

    @Test
    void primaryAndReplicasHaveDistinctIdsAndReplicasAreReadOnly() throws SQLException {
        assertEquals(ReplicatedTestBed.DEFAULT_REPLICAS, bed.replicas().size());
        Set<Long> serverIds = new HashSet<>();
        for (TestBedServer server : bed.servers()) {
            serverIds.add(queryLong(server, DbAccount.APP, "SELECT @@server_id"));
            long readOnly = queryLong(server, DbAccount.APP, "SELECT @@read_only");
            assertEquals(server == bed.primary() ? 0 : 1, readOnly, server::toString);
        }
        assertEquals(Set.of(1L, 2L, 3L), serverIds);
    }

    @Test
    void rowWrittenOnPrimaryReachesEveryReplica() throws SQLException {
        execute(bed.primary(), DbAccount.APP, "CREATE TABLE it_replicated (id INT PRIMARY KEY, name VARCHAR(32))");
        execute(bed.primary(), DbAccount.APP, "INSERT INTO it_replicated VALUES (1, 'from-primary')");

        bed.awaitReplication();

        for (TestBedServer replica : bed.replicas()) {
            assertEquals(List.of("from-primary"), names(replica, "it_replicated"), replica::toString);
        }
    }

    @Test
    void appAccountCannotWriteOnReplica() throws SQLException {
        execute(bed.primary(), DbAccount.APP, "CREATE TABLE it_read_only (id INT PRIMARY KEY)");
        bed.awaitReplication();

        SQLException refused = assertThrows(
                SQLException.class,
                () -> execute(bed.replicas().get(0), DbAccount.APP, "INSERT INTO it_read_only VALUES (1)"));
        assertEquals(READ_ONLY_ERROR, refused.getErrorCode(), refused::getMessage);
    }

    @Test
    void monitorAccountCanCheckReplicaHealth() throws SQLException {
        TestBedServer replica = bed.replicas().get(1);
        try (Connection connection = replica.connect(DbAccount.MONITOR, null);
                Statement statement = connection.createStatement()) {
            assertEquals(1, queryLong(statement, "SELECT 1"));
            assertEquals(1, queryLong(statement, "SELECT @@read_only"));
            boolean mysql = bed.flavour() == ServerFlavour.MYSQL;
            String prefix = mysql ? "Replica_" : "Slave_";
            try (ResultSet rs = statement.executeQuery(mysql ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS")) {
                assertTrue(rs.next());
                assertEquals("Yes", rs.getString(prefix + "IO_Running"));
                assertEquals("Yes", rs.getString(prefix + "SQL_Running"));
                assertEquals(bed.primary().port(), rs.getInt(mysql ? "Source_Port" : "Master_Port"));
            }
            if (!mysql) {
                try (ResultSet rs = statement.executeQuery("SHOW ALL SLAVES STATUS")) {
                    assertTrue(rs.next());
                }
            }
        }
    }

    /** MySQL replicas also run with super_read_only, so not even root writes to them by accident. */
    @Test
    void mySqlReplicasAreSuperReadOnly() throws SQLException {
        org.junit.jupiter.api.Assumptions.assumeTrue(bed.flavour() == ServerFlavour.MYSQL, "MySQL only");
        for (TestBedServer replica : bed.replicas()) {
            try (Connection connection = replica.connectAsRoot();
                    Statement statement = connection.createStatement()) {
                assertEquals(1, queryLong(statement, "SELECT @@super_read_only"), replica::toString);
                SQLException refused =
                        assertThrows(SQLException.class, () -> statement.execute("CREATE DATABASE it_root_on_replica"));
                assertEquals(READ_ONLY_ERROR, refused.getErrorCode(), refused::getMessage);
            }
        }
    }

    @Test
    void replicationResumesAfterReplicaIsKilledAndRestarted() throws SQLException {
        TestBedServer replica = bed.replicas().get(0);
        int port = replica.port();
        execute(bed.primary(), DbAccount.APP, "CREATE TABLE it_replica_crash (id INT PRIMARY KEY, name VARCHAR(32))");
        execute(bed.primary(), DbAccount.APP, "INSERT INTO it_replica_crash VALUES (1, 'before-kill')");
        bed.awaitReplication();

        replica.kill();
        assertFalse(replica.isRunning());
        execute(bed.primary(), DbAccount.APP, "INSERT INTO it_replica_crash VALUES (2, 'while-down')");
        replica.start();
        execute(bed.primary(), DbAccount.APP, "INSERT INTO it_replica_crash VALUES (3, 'after-restart')");
        bed.awaitReplication();

        assertEquals(port, replica.port());
        assertEquals(List.of("before-kill", "while-down", "after-restart"), names(replica, "it_replica_crash"));
    }

    @Test
    void healRestartsKilledPrimaryAndStoppedReplicaAndReplicationResumes() throws SQLException {
        execute(bed.primary(), DbAccount.APP, "CREATE TABLE it_primary_restart (id INT PRIMARY KEY, name VARCHAR(32))");
        bed.primary().kill();
        bed.replicas().get(1).stop();
        assertFalse(bed.primary().isRunning());
        assertFalse(bed.replicas().get(1).isRunning());

        bed.heal();
        execute(bed.primary(), DbAccount.APP, "INSERT INTO it_primary_restart VALUES (1, 'after-heal')");
        bed.awaitReplication();

        bed.servers().forEach(server -> assertTrue(server.isRunning(), server::toString));
        for (TestBedServer replica : bed.replicas()) {
            assertEquals(List.of("after-heal"), names(replica, "it_primary_restart"), replica::toString);
        }
    }

    private static void execute(TestBedServer server, DbAccount account, String sql) throws SQLException {
        try (Connection connection = server.connect(account, ReplicatedTestBed.APP_DATABASE);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static long queryLong(TestBedServer server, DbAccount account, String sql) throws SQLException {
        try (Connection connection = server.connect(account, null);
                Statement statement = connection.createStatement()) {
            return queryLong(statement, sql);
        }
    }

    private static long queryLong(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    private static List<String> names(TestBedServer server, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection connection = server.connect(DbAccount.APP, ReplicatedTestBed.APP_DATABASE);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT name FROM " + table + " ORDER BY id")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}

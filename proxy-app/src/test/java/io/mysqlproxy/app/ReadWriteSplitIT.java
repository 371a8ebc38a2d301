package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where statements land, seen through {@code @@server_id} on the replicated test bed (primary 1,
 * replicas 2 and 3): plain reads on replicas, writes and transactions on the primary, prepared
 * statements by what they do, and the connection-bound functions answering as a direct connection.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides(ProxyFixture.NATIVE_PASSWORD_APP)
class ReadWriteSplitIT {

    private static final int PRIMARY = 1;
    private static final Set<Integer> REPLICAS = Set.of(2, 3);

    @BeforeAll
    static void schema(ReplicatedTestBed bed) throws SQLException {
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS split");
            s.execute("CREATE TABLE split (id INT AUTO_INCREMENT PRIMARY KEY, sid INT, note VARCHAR(20))");
            for (int i = 0; i < 10; i++) {
                s.execute("INSERT INTO split (sid, note) VALUES (0, 'seed')");
            }
        }
        bed.awaitReplication();
    }

    @Test
    void plainReadsLandOnBothReplicasAndNeverOnThePrimary(ProxyFixture proxy) throws SQLException {
        Set<Integer> seen = new TreeSet<>();
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            for (int i = 0; i < 200; i++) {
                seen.add(serverId(s, "SELECT @@server_id"));
            }
        }
        assertEquals(REPLICAS, seen, "plain reads went to " + seen);
    }

    @Test
    void writesAndLockingReadsLandOnThePrimary(ProxyFixture proxy, ReplicatedTestBed bed) throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.executeUpdate(
                    "INSERT INTO split (sid, note) VALUES (@@server_id, 'write')", Statement.RETURN_GENERATED_KEYS);
            long id;
            try (ResultSet keys = s.getGeneratedKeys()) {
                assertTrue(keys.next());
                id = keys.getLong(1);
            }
            try (Connection direct = ProxyFixture.connectDirect(bed, "");
                    Statement d = direct.createStatement();
                    ResultSet rs = d.executeQuery("SELECT sid FROM split WHERE id = " + id)) {
                assertTrue(rs.next());
                assertEquals(PRIMARY, rs.getInt(1), "the INSERT ran on server " + rs.getInt(1));
            }
            assertEquals(PRIMARY, serverId(s, "SELECT @@server_id FROM split LIMIT 1 FOR UPDATE"));
            assertEquals(PRIMARY, serverId(s, "SELECT @@server_id /* route=primary */"));
            assertTrue(REPLICAS.contains(serverId(s, "SELECT @@server_id")));
        }
    }

    @Test
    void explicitTransactionsStayOnThePrimaryUntilTheyEnd(ProxyFixture proxy) throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.execute("START TRANSACTION");
            for (int i = 0; i < 20; i++) {
                assertEquals(PRIMARY, serverId(s, "SELECT @@server_id"), "statement " + i + " of the transaction");
            }
            s.execute("UPDATE split SET note = 'tx' WHERE id = 1");
            assertEquals(PRIMARY, serverId(s, "SELECT @@server_id"));
            s.execute("COMMIT");
            assertTrue(REPLICAS.contains(serverId(s, "SELECT @@server_id")), "after COMMIT reads spread again");
        }
    }

    @Test
    void autocommitOffKeepsEveryStatementOnThePrimary(ProxyFixture proxy) throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (int i = 0; i < 20; i++) {
                assertEquals(PRIMARY, serverId(s, "SELECT @@server_id"), "statement " + i + " under autocommit=0");
                if (i % 5 == 4) {
                    c.commit();
                }
            }
            c.setAutoCommit(true);
            assertTrue(REPLICAS.contains(serverId(s, "SELECT @@server_id")), "autocommit on again: reads spread");
        }
    }

    @Test
    void serverSidePreparedStatementsRunWhereTheirStatementBelongs(ProxyFixture proxy, ReplicatedTestBed bed)
            throws SQLException {
        Set<Integer> readServers = new TreeSet<>();
        List<String> direct;
        try (Connection c = ProxyFixture.connectDirect(bed, "useServerPrepStmts=true&cachePrepStmts=true")) {
            direct = preparedReadsWithChangingTypes(c, new TreeSet<>());
        }
        try (Connection c = proxy.connect("useServerPrepStmts=true&cachePrepStmts=true");
                PreparedStatement write = c.prepareStatement(
                        "INSERT INTO split (sid, note) VALUES (@@server_id, ?)", Statement.RETURN_GENERATED_KEYS)) {
            // What a string bound after integers reads back differs between servers (MySQL 8.0.22+ keeps the type
            // it re-prepared for), so the proxy must give exactly what the server gives directly.
            assertEquals(direct, preparedReadsWithChangingTypes(c, readServers));
            write.setString(1, "prepared");
            write.executeUpdate();
            long id;
            try (ResultSet keys = write.getGeneratedKeys()) {
                assertTrue(keys.next());
                id = keys.getLong(1);
            }
            try (Connection directConnection = ProxyFixture.connectDirect(bed, "");
                    Statement d = directConnection.createStatement();
                    ResultSet rs = d.executeQuery("SELECT sid FROM split WHERE id = " + id)) {
                assertTrue(rs.next());
                assertEquals(PRIMARY, rs.getInt(1), "the prepared INSERT ran on server " + rs.getInt(1));
            }
        }
        assertEquals(REPLICAS, readServers, "prepared SELECTs ran on " + readServers);
    }

    /**
     * Types change between executions: Connector/J resends them only when they do, so a backend preparing the
     * statement late must get them from the proxy. Returns what each execution read, and adds the server ids.
     */
    private static List<String> preparedReadsWithChangingTypes(Connection c, Set<Integer> servers) throws SQLException {
        List<String> values = new ArrayList<>();
        try (PreparedStatement read = c.prepareStatement("SELECT @@server_id, ?, ? + 1")) {
            for (int i = 0; i < 100; i++) {
                if (i % 3 == 0) {
                    read.setString(1, "s" + i);
                } else {
                    read.setInt(1, i);
                }
                read.setLong(2, i);
                try (ResultSet rs = read.executeQuery()) {
                    assertTrue(rs.next());
                    servers.add(rs.getInt(1));
                    assertEquals(i + 1, rs.getLong(3));
                    values.add(rs.getString(2));
                }
            }
        }
        return values;
    }

    @Test
    void temporaryTablesLocksAndSessionFunctionsAnswerAsADirectConnection(ProxyFixture proxy, ReplicatedTestBed bed)
            throws SQLException {
        bed.awaitReplication();
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement();
                Connection direct = ProxyFixture.connectDirect(bed, "");
                Statement d = direct.createStatement()) {
            // LAST_INSERT_ID() after an insert.
            s.executeUpdate("INSERT INTO split (sid, note) VALUES (0, 'lid')", Statement.RETURN_GENERATED_KEYS);
            long generated;
            try (ResultSet keys = s.getGeneratedKeys()) {
                assertTrue(keys.next());
                generated = keys.getLong(1);
            }
            assertEquals(generated, longValue(s, "SELECT LAST_INSERT_ID()"));
            bed.awaitReplication();

            // FOUND_ROWS() after SQL_CALC_FOUND_ROWS, and after a plain SELECT, as on the server.
            longValue(d, "SELECT SQL_CALC_FOUND_ROWS * FROM split LIMIT 2");
            long directFound = longValue(d, "SELECT FOUND_ROWS()");
            longValue(s, "SELECT SQL_CALC_FOUND_ROWS * FROM split LIMIT 2");
            assertEquals(directFound, longValue(s, "SELECT FOUND_ROWS()"));
            try (ResultSet rs = s.executeQuery("SELECT * FROM split LIMIT 3")) {
                while (rs.next()) {
                    rs.getInt(1);
                }
            }
            assertEquals(3, longValue(s, "SELECT FOUND_ROWS()"));

            // Named locks: the lock belongs to this session's connection.
            assertEquals(1, longValue(s, "SELECT GET_LOCK('split-lock', 1)"));
            // Held (CONNECTION_ID() is the proxy's id, not the server's: RELEASE_LOCK below says by whom).
            assertEquals(1, longValue(s, "SELECT IS_USED_LOCK('split-lock') IS NOT NULL"));
            assertEquals(0, longValue(d, "SELECT IS_FREE_LOCK('split-lock')"), "the lock is held on the primary");
            assertEquals(1, longValue(s, "SELECT RELEASE_LOCK('split-lock')"));
        }
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            // Temporary tables exist on one connection: the session must not read them elsewhere.
            s.execute("CREATE TEMPORARY TABLE scratch (v INT)");
            s.execute("INSERT INTO scratch VALUES (1), (2), (3)");
            for (int i = 0; i < 20; i++) {
                assertEquals(6, longValue(s, "SELECT SUM(v) FROM scratch"));
            }
            assertEquals(
                    PRIMARY,
                    serverId(s, "SELECT @@server_id"),
                    "a session with a temporary table stays on the primary");
        }
    }

    static int serverId(Statement s, String sql) throws SQLException {
        return (int) longValue(s, sql);
    }

    static long longValue(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }
}

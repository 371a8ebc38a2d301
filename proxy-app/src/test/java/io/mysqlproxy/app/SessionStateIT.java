package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session state the client sets once is what every backend serving it sees: SET NAMES, USE,
 * sql_mode, time_zone and a user variable, over reads spread across both replicas.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides(ProxyFixture.NATIVE_PASSWORD_APP)
class SessionStateIT {

    /** MariaDB 10.11 knows the isolation level only as tx_isolation, MySQL 8.0+ only as transaction_isolation. */
    private static final String PROBE =
            "SELECT @@server_id, @@character_set_client, @@collation_connection, DATABASE(), "
                    + "@@sql_mode, @@time_zone, @greeting, @@session."
                    + (ServerFlavour.current() == ServerFlavour.MYSQL ? "transaction_isolation" : "tx_isolation");

    @Test
    void stateSetOnceIsSeenByAThousandReadsOnEveryReplica(ProxyFixture proxy, ReplicatedTestBed bed)
            throws SQLException {
        try (Connection setup = ProxyFixture.connectDirect(bed, "");
                Statement s = setup.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS other");
        }
        bed.awaitReplication();
        Map<Integer, Integer> readsPerServer = new TreeMap<>();
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.execute("SET NAMES latin1 COLLATE latin1_german2_ci");
            s.execute("USE other");
            s.execute("SET sql_mode = 'ANSI_QUOTES,NO_ENGINE_SUBSTITUTION'");
            s.execute("SET time_zone = '+03:00'");
            s.execute("SET @greeting = 'bonjour'");
            s.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
            for (int i = 0; i < 1000; i++) {
                try (ResultSet rs = s.executeQuery(PROBE)) {
                    assertTrue(rs.next());
                    readsPerServer.merge(rs.getInt(1), 1, Integer::sum);
                    String where = "read " + i + " on server " + rs.getInt(1);
                    assertEquals("latin1", rs.getString(2), where);
                    assertEquals("latin1_german2_ci", rs.getString(3), where);
                    assertEquals("other", rs.getString(4), where);
                    assertEquals("ANSI_QUOTES,NO_ENGINE_SUBSTITUTION", rs.getString(5), where);
                    assertEquals("+03:00", rs.getString(6), where);
                    assertEquals("bonjour", rs.getString(7), where);
                    assertEquals("READ-COMMITTED", rs.getString(8), where);
                }
            }
        }
        assertEquals(
                Map.of(2, readsPerServer.getOrDefault(2, 0), 3, readsPerServer.getOrDefault(3, 0)),
                readsPerServer,
                "reads must spread over the replicas only: " + readsPerServer);
        assertTrue(readsPerServer.get(2) > 100 && readsPerServer.get(3) > 100, "reads per server: " + readsPerServer);
    }

    @Test
    void aUserVariableFromAnExpressionKeepsTheSessionOnThePrimary(ProxyFixture proxy) throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.execute("SET @started = NOW(6)");
            for (int i = 0; i < 20; i++) {
                try (ResultSet rs = s.executeQuery("SELECT @@server_id, @started IS NOT NULL")) {
                    assertTrue(rs.next());
                    assertEquals(1, rs.getInt(1));
                    assertTrue(rs.getBoolean(2));
                }
            }
        }
    }

    @Test
    void theNextSessionOnAPooledConnectionStartsClean(ProxyFixture proxy) throws SQLException {
        for (int round = 0; round < 5; round++) {
            try (Connection c = proxy.connect("");
                    Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT @leftover, @@sql_mode LIKE '%ANSI_QUOTES%', @@time_zone")) {
                    assertTrue(rs.next());
                    assertNull(rs.getString(1), "a user variable leaked from an earlier session");
                    assertEquals(0, rs.getInt(2), "sql_mode leaked from an earlier session");
                    assertEquals("SYSTEM", rs.getString(3), "time_zone leaked from an earlier session");
                }
                s.execute("SET @leftover = 'round " + round + "'");
                s.execute("SET sql_mode = 'ANSI_QUOTES'");
                s.execute("SET time_zone = '+05:00'");
                s.execute("SELECT 1");
            }
        }
    }
}

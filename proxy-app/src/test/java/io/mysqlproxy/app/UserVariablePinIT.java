package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * User variables set as a side effect, by a CALL's OUT parameter or by GET DIAGNOSTICS, live on the server
 * that ran the statement: the session stays on the primary afterwards, so reading them never lands on a
 * replica, where they are NULL.
 */
@ExtendWith({TestBedExtension.class, ProxyExtension.class})
@ProxyOverrides(ProxyFixture.NATIVE_PASSWORD_APP)
class UserVariablePinIT {

    private static final int PRIMARY = 1;

    @BeforeAll
    static void procedure(ReplicatedTestBed bed) throws SQLException {
        try (Connection c = ProxyFixture.connectDirect(bed, "");
                Statement s = c.createStatement()) {
            s.execute("DROP PROCEDURE IF EXISTS answer");
            s.execute("CREATE PROCEDURE answer(OUT result INT) SET result = 42");
        }
        bed.awaitReplication();
    }

    @Test
    void anOutParameterIsReadWhereTheCallSetIt(ProxyFixture proxy) throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.execute("CALL answer(@out)");
            for (int i = 0; i < 20; i++) {
                try (ResultSet rs = s.executeQuery("SELECT @out, @@server_id")) {
                    assertTrue(rs.next());
                    assertEquals(42, rs.getInt(1), "read " + i + " on server " + rs.getInt(2));
                    assertEquals(PRIMARY, rs.getInt(2));
                }
            }
        }
    }

    @Test
    void getDiagnosticsTargetsAreReadWhereTheyWereSet(ProxyFixture proxy) throws SQLException {
        try (Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            // One warning (truncated INTEGER value), on the primary, where GET DIAGNOSTICS then follows it.
            s.executeQuery("SELECT CAST('x' AS SIGNED) /* route=primary */").close();
            s.execute("GET DIAGNOSTICS @n = NUMBER");
            for (int i = 0; i < 20; i++) {
                try (ResultSet rs = s.executeQuery("SELECT @n, @@server_id")) {
                    assertTrue(rs.next());
                    assertEquals(1, rs.getInt(1), "read " + i + " on server " + rs.getInt(2));
                    assertEquals(PRIMARY, rs.getInt(2));
                }
            }
        }
    }
}

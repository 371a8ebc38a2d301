package io.mysqlproxy.app;

import com.fasterxml.jackson.jr.ob.JSON;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import io.mysqlproxy.testbed.TestBedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which server is the primary, from what each one says of {@code read_only}: the configured primary
 * must be the only writable server, else writes are refused with error 1290 and a reason (reads go
 * on); with {@code primary-mode = follow-writable}, a replica that becomes the only writable server
 * is promoted, and the old primary serves as a replica. The servers' settings are put back in
 * {@code finally} blocks: the test bed is shared.
 */
@ExtendWith(TestBedExtension.class)
class PrimaryIdentificationIT {

    private static final String CONFIG = ProxyFixture.NATIVE_PASSWORD_APP + """

            mysql-proxy.health { interval = 200ms, timeout = 500ms, eject-after = 2, readmit-after = 3 }
            # Refused writes fail at once here; PrimaryRestartIT has them wait for the gate to open.
            mysql-proxy.backends.primary-outage-buffer = 0
            """;
    private static final Duration WITHIN = Duration.ofSeconds(5);
    /** Each try of a statement costs a round trip through the proxy. */
    private static final Duration POLL = Duration.ofMillis(50);

    @Test
    void writesAreRefusedWhileTheConfiguredPrimaryIsReadOnlyOrAReplicaIsWritable(ReplicatedTestBed bed)
            throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, CONFIG);
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS primary_writes (id INT PRIMARY KEY)");
            s.execute("DELETE FROM primary_writes");
            try {
                setReadOnly(bed.primary(), true);
                SQLException refused = awaitRefusal(s, "INSERT INTO primary_writes VALUES (1)");
                assertTrue(refused.getMessage().contains("reports read_only = ON"), refused.getMessage());
                assertEquals(
                        1,
                        ReadWriteSplitIT.serverId(s, "/* route=primary */ SELECT @@server_id") > 0 ? 1 : 0,
                        "reads still go to the primary");
                assertTrue(proxy.server().runtime().metrics().scrape().contains("mysqlproxy_writes_refused 1.0"));
                Map<?, ?> writes = writes(proxy);
                assertEquals(true, writes.get("refused"), writes.toString());
                assertTrue(String.valueOf(writes.get("reason")).contains("reports read_only = ON"), writes.toString());
            } finally {
                setReadOnly(bed.primary(), false);
            }
            awaitWrite(s, "INSERT INTO primary_writes VALUES (2)");
            assertTrue(proxy.server().runtime().metrics().scrape().contains("mysqlproxy_writes_refused 0.0"));
            Map<?, ?> writes = writes(proxy);
            assertEquals(false, writes.get("refused"), writes.toString());
            assertTrue(writes.containsKey("reason") && writes.get("reason") == null, writes.toString());

            TestBedServer replica = bed.replicas().get(0);
            try {
                setReadOnly(replica, false);
                SQLException refused = awaitRefusal(s, "INSERT INTO primary_writes VALUES (3)");
                assertTrue(
                        refused.getMessage().contains("reports read_only = OFF as well as the primary"),
                        refused.getMessage());
            } finally {
                setReadOnly(replica, true);
            }
            awaitWrite(s, "INSERT INTO primary_writes VALUES (4)");
            s.execute("DROP TABLE primary_writes");
        }
        bed.awaitReplication();
    }

    @Test
    void followWritablePromotesTheReplicaThatBecameTheOnlyWritableServer(ReplicatedTestBed bed) throws Exception {
        TestBedServer candidate = bed.replicas().get(0);
        try (ProxyFixture proxy =
                        ProxyFixture.start(bed, CONFIG + "mysql-proxy.backends.primary-mode = " + "follow-writable\n");
                Connection c = proxy.connect("");
                Statement s = c.createStatement()) {
            Backend configured = proxy.server().runtime().topology().primary();
            assertEquals(1, primaryServerId(s));
            try {
                // A switchover as an operator would make it: old primary read-only, new one stops replicating.
                setReadOnly(bed.primary(), true);
                try (Connection root = candidate.connectAsRoot();
                        Statement r = root.createStatement()) {
                    r.execute("STOP REPLICA");
                }
                setReadOnly(candidate, false);
                Awaits.within(WITHIN, "the writable replica becomes the primary")
                        .until(
                                () -> proxy.server()
                                        .runtime()
                                        .topology()
                                        .primary()
                                        .address()
                                        .port(),
                                is(candidate.port()));
                assertEquals(candidate.serverId(), primaryServerId(s), "statements for the primary go to it");
                Backend demoted = proxy.server().runtime().topology().replicas().stream()
                        .filter(b -> b.address().equals(configured.address()))
                        .findFirst()
                        .orElseThrow();
                assertSame(BackendRole.REPLICA, demoted.role());
                assertTrue(
                        proxy.server().runtime().metrics().scrape().contains("mysqlproxy_primary_changes_total 1.0"));
            } finally {
                setReadOnly(candidate, true);
                try (Connection root = candidate.connectAsRoot();
                        Statement r = root.createStatement()) {
                    r.execute("START REPLICA");
                }
                setReadOnly(bed.primary(), false);
            }
            Awaits.within(WITHIN, "the configured primary, writable again, is followed back")
                    .until(() -> proxy.server().runtime().topology().primary().address(), is(configured.address()));
            assertEquals(1, primaryServerId(s));
        }
        bed.awaitReplication();
    }

    private static int primaryServerId(Statement s) throws SQLException {
        return ReadWriteSplitIT.serverId(s, "/* route=primary */ SELECT @@server_id");
    }

    private static void setReadOnly(TestBedServer server, boolean readOnly) throws SQLException {
        server.setReadOnly(readOnly);
    }

    /** Repeats {@code sql} until the proxy refuses it (error 1290), within 5 s. */
    private static SQLException awaitRefusal(Statement s, String sql) {
        AtomicReference<SQLException> refused = new AtomicReference<>();
        Awaits.within(WITHIN, "writes are refused by the proxy")
                .pollInterval(POLL)
                .until(() -> {
                    try {
                        s.execute(sql);
                        s.execute("DELETE FROM primary_writes");
                        return false;
                    } catch (SQLException e) {
                        if (e.getErrorCode() != 1290) {
                            throw new AssertionError("unexpected error", e);
                        }
                        // 1290 from the server itself (read_only) before the proxy knew: try again.
                        refused.set(e);
                        return e.getMessage().startsWith("mysql-proxy refuses writes: ");
                    }
                });
        SQLException again = assertThrows(SQLException.class, () -> s.execute(sql));
        assertEquals(1290, again.getErrorCode(), "refused until the evidence agrees");
        return refused.get();
    }

    /** Repeats {@code sql} until it succeeds, within 5 s; the timeout reports the last error. */
    private static void awaitWrite(Statement s, String sql) {
        Awaits.within(WITHIN, "writes go through again")
                .pollInterval(POLL)
                .untilAsserted(() -> assertDoesNotThrow(() -> s.execute(sql)));
    }

    /** The {@code writes} member of {@code /backends}, parsed. */
    private static Map<?, ?> writes(ProxyFixture proxy) throws Exception {
        return (Map<?, ?>) JSON.std.mapFrom(proxy.admin("/backends")).get("writes");
    }
}

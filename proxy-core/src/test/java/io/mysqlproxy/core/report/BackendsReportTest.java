package io.mysqlproxy.core.report;

import com.fasterxml.jackson.jr.ob.JSON;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /backends and SHOW PROXY BACKENDS render the same statuses: the same values, NULL where JSON has null. */
class BackendsReportTest {

    private static final List<BackendStatus> STATUSES = List.of(
            new BackendStatus(
                    "db:3306",
                    "db:3306",
                    BackendRole.PRIMARY,
                    BackendState.UP,
                    null,
                    1,
                    null,
                    2,
                    30,
                    1,
                    5,
                    3,
                    0,
                    0,
                    0,
                    null,
                    null,
                    0,
                    0),
            new BackendStatus(
                    "mysql-1",
                    "10.1.2.3:3306",
                    BackendRole.REPLICA,
                    BackendState.LAGGING,
                    "mysql-1",
                    2,
                    12L,
                    0,
                    40,
                    0,
                    4,
                    4,
                    7,
                    1,
                    3,
                    "TLSv1.3",
                    "TLS_AES_256_GCM_SHA384",
                    10,
                    9));

    @Test
    void jsonAndResultSetShowTheSameValues() throws IOException {
        Map<String, Object> document = JSON.std.mapFrom(BackendsReport.json(STATUSES, null));
        assertEquals(Map.of("refused", false), withoutNulls(document.get("writes")));
        assertTrue(((Map<?, ?>) document.get("writes")).containsKey("reason"), "reason is null, not left out");
        List<?> backends = (List<?>) document.get("backends");
        assertEquals(2, backends.size());
        Map<?, ?> primary = (Map<?, ?>) backends.get(0);
        assertEquals(
                List.of(
                        "name",
                        "address",
                        "role",
                        "state",
                        "pod",
                        "weight",
                        "lag_seconds",
                        "outstanding",
                        "statements",
                        "errors",
                        "connections",
                        "tls"),
                List.copyOf(primary.keySet()),
                "the members, in order");
        assertEquals("db:3306", primary.get("name"));
        assertEquals("primary", primary.get("role"));
        assertEquals("up", primary.get("state"));
        assertNull(primary.get("pod"));
        assertNull(primary.get("lag_seconds"));
        assertEquals(1, primary.get("weight"));
        assertEquals(2, primary.get("outstanding"));
        assertEquals(30, primary.get("statements"));
        assertEquals(1, primary.get("errors"));
        assertEquals(Map.of("open", 5, "idle", 3, "waits", 0, "wait_timeouts", 0), primary.get("connections"));
        assertEquals(Map.of("open", 0, "handshakes", 0, "resumed", 0), withoutNulls(primary.get("tls")));
        Map<?, ?> replica = (Map<?, ?>) backends.get(1);
        assertEquals("10.1.2.3:3306", replica.get("address"));
        assertEquals("replica", replica.get("role"));
        assertEquals("lagging", replica.get("state"));
        assertEquals("mysql-1", replica.get("pod"));
        assertEquals(12, replica.get("lag_seconds"));
        assertEquals(Map.of("open", 4, "idle", 4, "waits", 7, "wait_timeouts", 1), replica.get("connections"));
        assertEquals(
                Map.of(
                        "open",
                        3,
                        "protocol",
                        "TLSv1.3",
                        "cipher",
                        "TLS_AES_256_GCM_SHA384",
                        "handshakes",
                        10,
                        "resumed",
                        9),
                replica.get("tls"));

        TextResultSet result = BackendsReport.resultSet(STATUSES);
        assertEquals(
                List.of(
                        "name",
                        "address",
                        "role",
                        "state",
                        "pod",
                        "weight",
                        "lag_seconds",
                        "outstanding",
                        "statements",
                        "errors",
                        "connections_open",
                        "connections_idle",
                        "pool_waits",
                        "pool_wait_timeouts",
                        "connections_tls",
                        "tls_protocol",
                        "tls_cipher",
                        "tls_handshakes",
                        "tls_resumed"),
                result.columns().stream().map(ColumnDefinition41::name).toList());
        assertEquals(
                List.of(
                        TextRow.of(
                                "db:3306", "db:3306", "primary", "up", null, "1", null, "2", "30", "1", "5", "3", "0",
                                "0", "0", null, null, "0", "0"),
                        TextRow.of(
                                "mysql-1",
                                "10.1.2.3:3306",
                                "replica",
                                "lagging",
                                "mysql-1",
                                "2",
                                "12",
                                "0",
                                "40",
                                "0",
                                "4",
                                "4",
                                "7",
                                "1",
                                "3",
                                "TLSv1.3",
                                "TLS_AES_256_GCM_SHA384",
                                "10",
                                "9")),
                result.rows());
    }

    @Test
    void jsonSaysWhyWritesAreRefusedInAnyCharacters() throws IOException {
        String reason = "db:3306 reports \"read_only\" = ON\\ at C:\\data\n\ttab \u0001 ünïcødé ✓ \uD83D\uDE00";
        Map<String, Object> document = JSON.std.mapFrom(BackendsReport.json(List.of(), reason));
        assertEquals(Map.of("refused", true, "reason", reason), document.get("writes"));
        assertEquals(List.of(), document.get("backends"));
    }

    @Test
    void namesAndPodsWithQuotesAndControlCharactersSurvive() throws IOException {
        String odd = "pod \"a\"\\b\u0000\u001f\r\né";
        BackendStatus status = new BackendStatus(
                odd, odd, BackendRole.REPLICA, BackendState.UP, odd, 1, 0L, 0, 0, 0, 0, 0, 0, 0, 0, odd, odd, 0, 0);
        Map<?, ?> backend = (Map<?, ?>) ((List<?>) JSON.std
                        .mapFrom(BackendsReport.json(List.of(status), null))
                        .get("backends"))
                .get(0);
        assertEquals(odd, backend.get("name"));
        assertEquals(odd, backend.get("pod"));
        assertEquals(odd, ((Map<?, ?>) backend.get("tls")).get("cipher"));
    }

    private static Map<Object, Object> withoutNulls(Object object) {
        Map<Object, Object> copy = new java.util.LinkedHashMap<>((Map<?, ?>) object);
        copy.values().removeIf(java.util.Objects::isNull);
        return copy;
    }
}

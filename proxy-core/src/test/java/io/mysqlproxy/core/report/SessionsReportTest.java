package io.mysqlproxy.core.report;

import com.fasterxml.jackson.jr.ob.JSON;
import io.mysqlproxy.protocol.packet.TextRow;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** /sessions and SHOW PROXY SESSIONS render the same statuses, ordered by connection id. */
class SessionsReportTest {

    /** A user name may hold anything a client sends: quotes, backslashes, control characters, any script. */
    private static final String ODD_USER = "o\"dd\\u\u0007ser\n ünï ✓";

    private static final List<SessionStatus> STATUSES = List.of(
            new SessionStatus(
                    9,
                    ODD_USER,
                    "10.0.0.9:4000",
                    61_500,
                    2_400,
                    SessionStatus.IN_TRANSACTION,
                    List.of(
                            new SessionStatus.Connection("db-0", "primary", 812L),
                            new SessionStatus.Connection("db-1", "replica", null)),
                    List.of(
                            new SessionStatus.Held("transaction", "start_transaction"),
                            new SessionStatus.Held("lock_tables", "lock_tables"))),
            new SessionStatus(3, "app", "10.0.0.3:5000", 999, 999, SessionStatus.IDLE, List.of(), List.of()));

    @Test
    void jsonParsesBackToTheStatuses() throws IOException {
        Map<String, Object> document = JSON.std.mapFrom(SessionsReport.json(STATUSES));
        List<?> sessions = (List<?>) document.get("sessions");
        assertEquals(2, sessions.size());
        Map<?, ?> idle = (Map<?, ?>) sessions.get(0);
        assertEquals(3, idle.get("id"), "ordered by connection id");
        assertEquals("idle", idle.get("state"));
        assertEquals(List.of(), idle.get("connections"));
        assertEquals(List.of(), idle.get("holds"));

        Map<?, ?> held = (Map<?, ?>) sessions.get(1);
        assertEquals(
                List.of("id", "user", "client", "age_ms", "idle_ms", "state", "connections", "holds"),
                List.copyOf(held.keySet()));
        assertEquals(ODD_USER, held.get("user"));
        assertEquals("10.0.0.9:4000", held.get("client"));
        assertEquals(61_500, held.get("age_ms"));
        assertEquals(2_400, held.get("idle_ms"));
        assertEquals("in transaction", held.get("state"));
        List<?> connections = (List<?>) held.get("connections");
        assertEquals(Map.of("backend", "db-0", "role", "primary", "server_connection_id", 812), connections.get(0));
        Map<?, ?> replica = (Map<?, ?>) connections.get(1);
        assertEquals("db-1", replica.get("backend"));
        assertNull(replica.get("server_connection_id"));
        assertEquals(3, replica.size(), "an unknown server id is null, not left out");
        assertEquals(
                List.of(
                        Map.of("reason", "transaction", "cause", "start_transaction"),
                        Map.of("reason", "lock_tables", "cause", "lock_tables")),
                held.get("holds"));
    }

    @Test
    void theResultSetShowsTheSameInOneRowPerSession() {
        assertEquals(
                List.of(
                        TextRow.of("3", "app", "10.0.0.3:5000", "0", "0", "idle", null, null),
                        TextRow.of(
                                "9",
                                ODD_USER,
                                "10.0.0.9:4000",
                                "61",
                                "2",
                                "in transaction",
                                "db-0 (primary, connection 812), db-1 (replica)",
                                "transaction (start_transaction), lock_tables (lock_tables)")),
                SessionsReport.resultSet(STATUSES).rows());
        assertEquals(
                Arrays.asList("id", "user", "client", "age_seconds", "idle_seconds", "state", "connections", "holds"),
                SessionsReport.resultSet(List.of()).columns().stream()
                        .map(c -> c.name())
                        .toList());
    }
}

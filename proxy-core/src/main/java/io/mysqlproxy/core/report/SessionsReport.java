package io.mysqlproxy.core.report;

import io.mysqlproxy.protocol.packet.ColumnDefinition41;
import io.mysqlproxy.protocol.packet.TextResultSet;
import io.mysqlproxy.protocol.packet.TextRow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The client sessions as operators see them, from one list of {@link SessionStatus}: the result set of
 * SHOW PROXY SESSIONS on the proxy port and the {@code /sessions} JSON document of the admin port, both
 * ordered by connection id.
 */
public final class SessionsReport {

    private static final List<ColumnDefinition41> COLUMNS = List.of(
            ColumnDefinition41.bigint("id"),
            ColumnDefinition41.text("user"),
            ColumnDefinition41.text("client"),
            ColumnDefinition41.bigint("age_seconds"),
            ColumnDefinition41.bigint("idle_seconds"),
            ColumnDefinition41.text("state"),
            ColumnDefinition41.text("connections"),
            ColumnDefinition41.text("holds"));

    private SessionsReport() {}

    /**
     * SHOW PROXY SESSIONS: one row per session; {@code connections} lists each as {@code backend (role,
     * connection <server id>)} and {@code holds} each as {@code reason (cause)}, comma-separated, NULL when
     * there are none.
     */
    public static TextResultSet resultSet(List<SessionStatus> sessions) {
        List<TextRow> rows = new ArrayList<>(sessions.size());
        for (SessionStatus s : byId(sessions)) {
            rows.add(TextRow.of(
                    Long.toUnsignedString(s.id()),
                    s.user(),
                    s.client(),
                    String.valueOf(s.ageMillis() / 1000),
                    String.valueOf(s.idleMillis() / 1000),
                    s.state(),
                    joined(s.connections().stream()
                            .map(c -> c.backend() + " (" + c.role()
                                    + (c.serverConnectionId() == null ? "" : ", connection " + c.serverConnectionId())
                                    + ")")
                            .toList()),
                    joined(s.holds().stream()
                            .map(h -> h.reason() + " (" + h.cause() + ")")
                            .toList())));
        }
        return new TextResultSet(COLUMNS, rows);
    }

    /** {@code /sessions}: one JSON object per session, with its connections and holds as arrays of objects. */
    public static String json(List<SessionStatus> sessions) {
        List<Map<String, Object>> all = new ArrayList<>(sessions.size());
        for (SessionStatus s : byId(sessions)) {
            Map<String, Object> session = new LinkedHashMap<>();
            session.put("id", s.id());
            session.put("user", s.user());
            session.put("client", s.client());
            session.put("age_ms", s.ageMillis());
            session.put("idle_ms", s.idleMillis());
            session.put("state", s.state());
            List<Map<String, Object>> connections = new ArrayList<>();
            for (SessionStatus.Connection c : s.connections()) {
                Map<String, Object> connection = new LinkedHashMap<>();
                connection.put("backend", c.backend());
                connection.put("role", c.role());
                connection.put("server_connection_id", c.serverConnectionId());
                connections.add(connection);
            }
            session.put("connections", connections);
            List<Map<String, Object>> holds = new ArrayList<>();
            for (SessionStatus.Held h : s.holds()) {
                Map<String, Object> hold = new LinkedHashMap<>();
                hold.put("reason", h.reason());
                hold.put("cause", h.cause());
                holds.add(hold);
            }
            session.put("holds", holds);
            all.add(session);
        }
        return AdminJson.text(Map.of("sessions", all));
    }

    private static List<SessionStatus> byId(List<SessionStatus> sessions) {
        return sessions.stream()
                .sorted(Comparator.comparingLong(SessionStatus::id))
                .toList();
    }

    private static String joined(List<String> parts) {
        return parts.isEmpty() ? null : parts.stream().collect(Collectors.joining(", "));
    }
}

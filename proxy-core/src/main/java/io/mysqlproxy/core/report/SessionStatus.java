package io.mysqlproxy.core.report;

import java.util.List;
import java.util.Objects;

/**
 * One client session as SHOW PROXY SESSIONS and {@code /sessions} show it: an immutable snapshot made on
 * the session's own event loop, read on the one answering (or on an admin thread).
 *
 * @param id          the proxy connection id (the greeting's, the one KILL takes)
 * @param client      the client's address
 * @param ageMillis   since the session logged in
 * @param idleMillis  since the client last sent or was last answered
 * @param state       {@link #IDLE}, {@link #IN_COMMAND} or {@link #IN_TRANSACTION}
 * @param connections the backend connections the session holds now
 * @param holds       what keeps it on them, in the order the session lists them; empty when they may go back
 */
public record SessionStatus(
        long id,
        String user,
        String client,
        long ageMillis,
        long idleMillis,
        String state,
        List<Connection> connections,
        List<Held> holds) {

    public static final String IDLE = "idle";
    public static final String IN_COMMAND = "in command";
    public static final String IN_TRANSACTION = "in transaction";

    public SessionStatus {
        Objects.requireNonNull(state, "state");
        connections = List.copyOf(connections);
        holds = List.copyOf(holds);
    }

    /**
     * A backend connection the session holds.
     *
     * @param serverConnectionId the server's own id for it (its greeting's thread id), or null when unknown
     */
    public record Connection(String backend, String role, Long serverConnectionId) {}

    /** One thing that keeps the session on its connections: the reason's label and the statement kind that caused it. */
    public record Held(String reason, String cause) {}
}

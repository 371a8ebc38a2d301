package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.mysqlproxy.protocol.result.BufferedResponse;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;

/**
 * Brings one leg up to the session's state before it serves a command: a connection that carries
 * another session's state it cannot be brought from is reset first (COM_RESET_CONNECTION, see
 * {@link LegImprints}), then the schema (COM_INIT_DB), the handshake collation, under transaction
 * multiplexing LAST_INSERT_ID() ({@code SET last_insert_id}), then every SET from the replay log it
 * has not run yet, one command at a time. A leg already in step costs nothing; each change is sent
 * to each leg at most once.
 */
final class LegSync {

    /** How bringing a leg up to date ends. */
    interface Outcome {
        /** The leg has the session's state; the command may go on. */
        void done();

        /** The server refused a step with {@code error}. */
        void refused(ErrPacket error);
    }

    private final SessionState state;
    private final Leg leg;
    private final Outcome then;
    private Iterator<SessionState.Entry> replay;

    private LegSync(SessionState state, Leg leg, Outcome then) {
        this.state = state;
        this.leg = leg;
        this.then = then;
    }

    static void run(SessionState state, Leg leg, Outcome then) {
        new LegSync(state, leg, then).next();
    }

    /** Whether {@code leg} already has everything (the hot path: no allocation). */
    static boolean inStep(SessionState state, Leg leg) {
        BackendConnection connection = leg.connection();
        return !leg.needsReset()
                && (state.schema() == null || connection.onSchema(state.schema()))
                && state.collation() == connection.collation()
                && !insertIdDiffers(state, leg)
                && leg.appliedVersion() >= state.version();
    }

    /** Whether {@code leg} would answer LAST_INSERT_ID() with another value than the session's. */
    private static boolean insertIdDiffers(SessionState state, Leg leg) {
        return state.tracksInsertId() && !leg.insertIdUnknown() && leg.insertId() != state.insertId();
    }

    private void next() {
        BackendConnection connection = leg.connection();
        if (leg.needsReset()) {
            send(
                    CommandType.RESET_CONNECTION,
                    StmtCommands.command(connection.channel().alloc(), CommandType.RESET_CONNECTION, new byte[0]),
                    () -> {
                        connection.resetDone();
                        leg.needsReset(false);
                        leg.appliedVersion(0);
                        leg.insertId(0);
                    });
            return;
        }
        String schema = state.schema();
        if (schema != null && !connection.onSchema(schema)) {
            send(
                    CommandType.INIT_DB,
                    StmtCommands.command(
                            connection.channel().alloc(), CommandType.INIT_DB, schema.getBytes(StandardCharsets.UTF_8)),
                    () -> connection.schema(schema));
            return;
        }
        int collation = state.collation();
        if (collation != connection.collation()) {
            send(
                    CommandType.QUERY,
                    StmtCommands.query(connection.channel().alloc(), collationStatement(collation)),
                    () -> connection.collation(collation));
            return;
        }
        if (insertIdDiffers(state, leg)) {
            long id = state.insertId();
            send(
                    CommandType.QUERY,
                    StmtCommands.query(
                            connection.channel().alloc(), "SET last_insert_id = " + Long.toUnsignedString(id)),
                    () -> leg.insertId(id));
            return;
        }
        if (replay == null) {
            List<SessionState.Entry> missing = state.since(leg.appliedVersion());
            replay = missing.iterator();
        }
        if (replay.hasNext()) {
            SessionState.Entry entry = replay.next();
            send(
                    CommandType.QUERY,
                    StmtCommands.command(connection.channel().alloc(), CommandType.QUERY, entry.sql()),
                    () -> leg.appliedVersion(entry.version()));
            return;
        }
        leg.appliedVersion(state.version());
        then.done();
    }

    private void send(CommandType command, ByteBuf frame, Runnable applied) {
        leg.sendInternal(command, frame, (response, failed, status) -> {
            try {
                if (failed) {
                    then.refused(BufferedResponse.error(response));
                    return;
                }
            } finally {
                response.release();
            }
            applied.run();
            next();
        });
    }

    /**
     * Sets the three character set variables the handshake sets, from a collation id. MariaDB
     * takes an id only for collation_connection, so the character set name is looked up.
     */
    static String collationStatement(int collation) {
        if (collation == BackendConnection.SERVER_DEFAULT_COLLATION) {
            return "SET character_set_client = DEFAULT, character_set_results = DEFAULT, collation_connection = DEFAULT";
        }
        String charset = "(SELECT CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID = " + collation + ")";
        return "SET character_set_client = " + charset + ", character_set_results = " + charset
                + ", collation_connection = " + collation;
    }
}

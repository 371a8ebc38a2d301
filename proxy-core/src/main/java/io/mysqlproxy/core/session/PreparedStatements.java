package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.Classification;
import io.mysqlproxy.protocol.packet.StmtPrepareOk;
import io.mysqlproxy.protocol.result.BufferedResponse;
import io.netty.buffer.ByteBuf;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * A session's prepared statements by the ids the proxy gave the client, bounded in number and in
 * bytes of the SQL text they keep (session.max-prepared-statements, -bytes).
 */
final class PreparedStatements {

    /** MariaDB's "the statement prepared last" id in COM_STMT_EXECUTE. */
    static final int LAST_PREPARED = -1;

    private final Map<Integer, PreparedStatement> byClientId = new HashMap<>();
    private final StatementHoldCounts holdCounts = new StatementHoldCounts();
    private final int maxCount;
    private final long maxBytes;
    private long bytes;
    private int nextId = 1;
    private PreparedStatement last;
    private SharedStatements sharing = SharedStatements.OFF;

    PreparedStatements(int maxCount, long maxBytes) {
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
    }

    /** Under transaction multiplexing: the statements' server statements are shared through their connections. */
    void share(SharedStatements sharing) {
        this.sharing = sharing;
    }

    SharedStatements sharing() {
        return sharing;
    }

    /** Whether one more statement of {@code sqlLength} bytes may be prepared. */
    boolean fits(int sqlLength) {
        return byClientId.size() < maxCount && bytes + sqlLength <= maxBytes;
    }

    int maxCount() {
        return maxCount;
    }

    int size() {
        return byClientId.size();
    }

    /** Bytes of SQL text the statements keep. */
    long bytes() {
        return bytes;
    }

    /**
     * Registers the statement the client prepared on {@code leg} under a new id of the proxy's,
     * written into {@code response} (the server's COM_STMT_PREPARE_OK, on its way to the client).
     */
    void register(byte[] sql, Classification classification, Leg leg, ByteBuf response) {
        StmtPrepareOk ok = StmtPrepareOk.decode(BufferedResponse.firstPayload(response));
        PreparedStatement statement = new PreparedStatement(nextId(), sql, classification, ok.parameters(), holdCounts);
        statement.preparedOn(leg, ok.statementId());
        sharing.prepared(statement, leg, ok.statementId());
        add(statement);
        StmtPrepareOk.setStatementId(response, statement.clientId());
    }

    private int nextId() {
        int id = nextId++;
        if (nextId == LAST_PREPARED || nextId == 0) {
            nextId = 1;
        }
        return id;
    }

    private void add(PreparedStatement statement) {
        PreparedStatement replaced = byClientId.put(statement.clientId(), statement);
        if (replaced != null) {
            // After 2^31 prepares the ids wrap around onto one still open: the client lost track of it.
            bytes -= replaced.sql().length;
            replaced.closed();
        }
        bytes += statement.sql().length;
        last = statement;
    }

    PreparedStatement get(int clientId) {
        return clientId == LAST_PREPARED ? last : byClientId.get(clientId);
    }

    PreparedStatement remove(int clientId) {
        PreparedStatement removed = byClientId.remove(clientId);
        if (removed != null) {
            bytes -= removed.sql().length;
            removed.closed();
        }
        if (removed == last) {
            last = null;
        }
        return removed;
    }

    Collection<PreparedStatement> all() {
        return byClientId.values();
    }

    /** Whether a statement's open cursor or pending long data lives on {@code leg}. */
    boolean heldOn(Leg leg) {
        for (PreparedStatement statement : byClientId.values()) {
            if (statement.heldOn(leg)) {
                return true;
            }
        }
        return false;
    }

    /** {@link HoldReason#OPEN_CURSOR} and {@link HoldReason#LONG_DATA}, as bits, if any statement keeps a leg so. */
    long holdBits() {
        return holdCounts.bits();
    }

    void forget(Leg leg) {
        for (PreparedStatement statement : byClientId.values()) {
            statement.forget(leg);
        }
    }

    void clear() {
        byClientId.values().forEach(PreparedStatement::closed);
        holdCounts.clear();
        byClientId.clear();
        bytes = 0;
        last = null;
    }
}

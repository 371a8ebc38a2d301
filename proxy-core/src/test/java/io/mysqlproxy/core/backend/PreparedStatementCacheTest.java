package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection's prepared-statement cache: a hit only under an equal key (text, schema, collation, SETs),
 * bounded with the least recently used closed, entries a borrow has bound never handed out twice nor evicted
 * under it, and emptied without a close when the server dropped its statements.
 */
class PreparedStatementCacheTest {

    private static final SessionSets NO_SETS = SessionSets.NONE;
    private static final SessionSets ANSI_QUOTES = SessionSets.of(List.of(bytes("SET sql_mode = 'ANSI_QUOTES'")));

    private final List<Integer> closed = new ArrayList<>();
    private final Object borrowA = new Object();
    private final Object borrowB = new Object();

    @Test
    void anotherBorrowGetsTheIdCachedUnderAnEqualKey() {
        PreparedStatementCache cache = new PreparedStatementCache(4, closed::add);
        assertTrue(cache.add(key("SELECT ?", "app", 45, NO_SETS), 7, borrowA));
        assertEquals(7, cache.claim(key("SELECT ?", "app", 45, SessionSets.of(List.of())), borrowB));
        assertTrue(cache.contains(7));
        assertEquals(List.of(), closed);
    }

    @Test
    void aKeyDifferingInTextSchemaCollationOrSetsMisses() {
        PreparedStatementCache cache = new PreparedStatementCache(4, closed::add);
        cache.add(key("SELECT \"x\"", "app", 45, NO_SETS), 7, borrowA);
        assertNull(cache.claim(key("SELECT \"y\"", "app", 45, NO_SETS), borrowB), "text");
        assertNull(cache.claim(key("SELECT \"x\"", "other", 45, NO_SETS), borrowB), "schema");
        assertNull(cache.claim(key("SELECT \"x\"", null, 45, NO_SETS), borrowB), "no schema");
        assertNull(cache.claim(key("SELECT \"x\"", "app", 8, NO_SETS), borrowB), "collation");
        assertNull(cache.claim(key("SELECT \"x\"", "app", 45, ANSI_QUOTES), borrowB), "sql_mode");
        assertEquals(7, cache.claim(key("SELECT \"x\"", "app", 45, NO_SETS), borrowB));
    }

    @Test
    void aBorrowGetsAnIdOnceSoTwoOfItsStatementsNeverShareOne() {
        PreparedStatementCache cache = new PreparedStatementCache(4, closed::add);
        cache.add(key("SELECT 1", "app", 45, NO_SETS), 7, borrowA);
        assertNull(cache.claim(key("SELECT 1", "app", 45, NO_SETS), borrowA), "its first statement has it");
        assertFalse(cache.add(key("SELECT 1", "app", 45, NO_SETS), 8, borrowA), "the second keeps its own id");
        assertFalse(cache.contains(8));
        cache.release(7, borrowA);
        assertEquals(7, cache.claim(key("SELECT 1", "app", 45, NO_SETS), borrowA), "free again once closed");
    }

    @Test
    void beyondItsBoundTheLeastRecentlyUsedIsClosed() {
        PreparedStatementCache cache = new PreparedStatementCache(2, closed::add);
        cache.add(key("SELECT 1", "app", 45, NO_SETS), 1, borrowA);
        cache.add(key("SELECT 2", "app", 45, NO_SETS), 2, borrowA);
        assertEquals(1, cache.claim(key("SELECT 1", "app", 45, NO_SETS), borrowB), "1 used last now");
        assertTrue(cache.add(key("SELECT 3", "app", 45, NO_SETS), 3, borrowB));
        assertEquals(List.of(2), closed, "2 was the least recently used");
        assertEquals(2, cache.size());
        assertFalse(cache.contains(2));
        assertTrue(cache.contains(1));
        assertTrue(cache.contains(3));
    }

    @Test
    void whatTheCurrentBorrowBoundIsNeverEvictedUnderIt() {
        PreparedStatementCache cache = new PreparedStatementCache(2, closed::add);
        cache.add(key("SELECT 1", "app", 45, NO_SETS), 1, borrowA);
        cache.add(key("SELECT 2", "app", 45, NO_SETS), 2, borrowB);
        assertTrue(cache.add(key("SELECT 3", "app", 45, NO_SETS), 3, borrowB), "1 is an earlier borrow's");
        assertEquals(List.of(1), closed);
        assertFalse(cache.add(key("SELECT 4", "app", 45, NO_SETS), 4, borrowB), "2 and 3 are bound now");
        assertEquals(List.of(1), closed, "nothing closed: the caller keeps 4 as its own");
        assertFalse(cache.contains(4));
    }

    @Test
    void aWithdrawnIdLeavesTheCacheUnclosed() {
        PreparedStatementCache cache = new PreparedStatementCache(2, closed::add);
        cache.add(key("SELECT 1", "app", 45, NO_SETS), 1, borrowA);
        assertTrue(cache.withdraw(1));
        assertFalse(cache.contains(1));
        assertNull(cache.claim(key("SELECT 1", "app", 45, NO_SETS), borrowB));
        assertFalse(cache.withdraw(1));
        assertEquals(List.of(), closed);
    }

    @Test
    void sizeZeroCachesNothing() {
        PreparedStatementCache cache = new PreparedStatementCache(0, closed::add);
        assertFalse(cache.add(key("SELECT 1", "app", 45, NO_SETS), 1, borrowA));
        assertNull(cache.claim(key("SELECT 1", "app", 45, NO_SETS), borrowB));
    }

    @Test
    void aResetConnectionForgetsItsStatementsWithoutClosingThem() {
        BackendConnection connection = EmbeddedBackends.connection("primary:3306", 1, login(), true);
        EmbeddedChannel channel = EmbeddedBackends.channel(connection);
        PreparedStatementCache cache = connection.statementCache(4);
        StatementKey key = connection.statementKey(bytes("SELECT ?"), NO_SETS);
        assertEquals(key("SELECT ?", "app", 45, NO_SETS), key, "the connection's own schema and collation");
        cache.add(key, 7, borrowA);
        connection.resetDone();
        assertFalse(cache.contains(7));
        assertEquals(0, cache.size());
        assertNull(channel.readOutbound(), "COM_RESET_CONNECTION dropped it: nothing to close");
        channel.finishAndReleaseAll();
    }

    @Test
    void evictionClosesOnTheConnectionAndAnUnknownSchemaSharesNothing() {
        BackendConnection connection = EmbeddedBackends.connection("primary:3306", 1, login(), true);
        EmbeddedChannel channel = EmbeddedBackends.channel(connection);
        PreparedStatementCache cache = connection.statementCache(1);
        assertEquals(1, connection.statementCache(64).capacity(), "made once, on first use");
        cache.add(connection.statementKey(bytes("SELECT 1"), NO_SETS), 0x0102, borrowA);
        cache.add(connection.statementKey(bytes("SELECT 2"), NO_SETS), 0x0103, borrowB);
        ByteBuf close = channel.readOutbound();
        // COM_STMT_CLOSE (0x19) of statement 0x0102: payload of 5 bytes, sequence 0.
        assertEquals("050000001902010000", ByteBufUtil.hexDump(close));
        close.release();

        connection.schemaChangedUnseen();
        connection.resetDone();
        assertNull(connection.statementKey(bytes("SELECT 1"), NO_SETS), "a USE the proxy did not see");
        connection.schema("app");
        assertNotEquals(null, connection.statementKey(bytes("SELECT 1"), NO_SETS));
        channel.finishAndReleaseAll();
    }

    @Test
    void onlyExecutionsOfTheTypesItRanWithShareAnEntryAndOtherTypesTakeItOut() {
        byte[] varchar = {(byte) 0xfd, 0};
        byte[] bigint = {0x08, 0};
        PreparedStatementCache cache = new PreparedStatementCache(4, closed::add);
        cache.add(key("SELECT ?", "app", 45, NO_SETS), 7, borrowA);
        assertTrue(cache.executed(7, varchar));
        cache.release(7, borrowA);
        assertNull(cache.claim(key("SELECT ?", "app", 45, NO_SETS), borrowB, bigint), "ran with a VARCHAR");
        assertEquals(7, cache.claim(key("SELECT ?", "app", 45, NO_SETS), borrowB, varchar));
        assertTrue(cache.executed(7, varchar));
        assertFalse(cache.executed(7, bigint), "a BIGINT now: the server statement is no longer what others expect");
        assertFalse(cache.contains(7), "withdrawn, not closed: its session's own");
        assertEquals(List.of(), closed);
    }

    @Test
    void aTextOverTheBoundIsNotKept() {
        PreparedStatementCache cache = new PreparedStatementCache(4, closed::add);
        String atBound = "SELECT '" + "x".repeat(PreparedStatementCache.MAX_SQL_BYTES - 9) + "'";
        assertEquals(PreparedStatementCache.MAX_SQL_BYTES, bytes(atBound).length);
        assertTrue(cache.add(key(atBound, "app", 45, NO_SETS), 1, borrowA));
        assertFalse(cache.add(key(atBound + " ", "app", 45, NO_SETS), 2, borrowA), "one byte over");
        assertEquals(1, cache.size());
    }

    @Test
    void theStatementLimitClosesEveryEntryButTheBorrowersBindings() {
        PreparedStatementCache cache = new PreparedStatementCache(4, closed::add);
        cache.add(key("SELECT 1", "app", 45, NO_SETS), 1, borrowA);
        cache.add(key("SELECT 2", "app", 45, NO_SETS), 2, borrowB);
        cache.add(key("SELECT 3", "app", 45, NO_SETS), 3, borrowB);
        cache.release(3, borrowB);
        assertEquals(2, cache.closeAllNotClaimedBy(borrowA));
        assertEquals(List.of(2, 3), closed);
        assertTrue(cache.contains(1), "bound by the borrower: in use");
        assertEquals(0, cache.closeAllNotClaimedBy(borrowA), "nothing more to close");
    }

    @Test
    void setLogsBuiltApartAreEqualKeys() {
        SessionSets one = SessionSets.of(List.of(bytes("SET NAMES utf8mb4"), bytes("SET sql_mode = 'ANSI_QUOTES'")));
        SessionSets two = SessionSets.of(
                new ArrayList<>(List.of(bytes("SET NAMES utf8mb4"), bytes("SET sql_mode = 'ANSI_QUOTES'"))));
        assertEquals(key("SELECT 1", "app", 45, one), key("SELECT 1", "app", 45, two));
        assertEquals(
                key("SELECT 1", "app", 45, one).hashCode(),
                key("SELECT 1", "app", 45, two).hashCode());
        SessionSets reordered =
                SessionSets.of(List.of(bytes("SET sql_mode = 'ANSI_QUOTES'"), bytes("SET NAMES utf8mb4")));
        assertNotEquals(key("SELECT 1", "app", 45, one), key("SELECT 1", "app", 45, reordered), "order matters");
    }

    private static StatementKey key(String sql, String schema, int collation, SessionSets sets) {
        return new StatementKey(bytes(sql), schema, collation, sets);
    }

    private static BackendLogin login() {
        return new BackendLogin(
                "app", "pw", AuthPlugin.MYSQL_NATIVE_PASSWORD, Capability.PROTOCOL_41.mask(), 0, 45, "app", null);
    }

    private static byte[] bytes(String sql) {
        return sql.getBytes(StandardCharsets.UTF_8);
    }
}

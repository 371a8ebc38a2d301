package io.mysqlproxy.core.classify;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** API-level behaviour of {@link StatementClassifier}: slicing, robustness, sharing and allocation. */
class StatementClassifierTest {

    private static final String[] FRAGMENTS = {
        "SELECT",
        "select",
        "UPDATE",
        "INSERT",
        "INTO",
        "FOR",
        "UPDATE",
        "SHARE",
        "LOCK",
        "IN",
        "MODE",
        "WITH",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "TO",
        "SET",
        "autocommit",
        "=",
        ":=",
        "@a",
        "@@",
        "session",
        ".",
        "(",
        ")",
        ",",
        ";",
        "'",
        "\"",
        "`",
        "\\",
        "/*",
        "*/",
        "/*!",
        "/*!50000",
        "/*M!",
        "--",
        "-- ",
        "#",
        "\n",
        " ",
        "\t",
        "route=primary",
        "route=replica",
        "GET_LOCK",
        "LAST_INSERT_ID",
        "NEXT",
        "VALUE",
        "EXPLAIN",
        "ANALYZE",
        "CREATE",
        "TEMPORARY",
        "TABLE",
        "PROCEDURE",
        "DROP",
        "PREPARE",
        "SAVEPOINT",
        "x",
        "1",
        "0",
        "é",
    };

    @Test
    void classifiesOnlyTheGivenSliceOfALargerArray() {
        byte[] buffer = "UPDATE t SET a = 1; SELECT c FROM sbtest1 WHERE id = 1 FOR UPDATE; DELETE FROM t"
                .getBytes(StandardCharsets.US_ASCII);
        int select = 20;
        int selectEnd = select + "SELECT c FROM sbtest1 WHERE id = 1".length();

        Classification plain = StatementClassifier.classify(buffer, select, selectEnd - select);
        assertEquals(StatementKind.READ, plain.kind());
        assertTrue(plain.isReplicaSafe());

        int withLock = selectEnd - select + " FOR UPDATE".length();
        Classification locking = StatementClassifier.classify(buffer, select, withLock);
        assertTrue(locking.has(StatementFlag.LOCKING_READ));

        assertEquals(
                StatementKind.WRITE, StatementClassifier.classify(buffer, 0, 18).kind());
        assertEquals(
                StatementKind.EMPTY, StatementClassifier.classify(buffer, 5, 0).kind());
        assertEquals(
                StatementKind.MULTI,
                StatementClassifier.classify(buffer, 0, buffer.length).kind());
    }

    @Test
    void underNoBackslashEscapesABackslashEndsAString() {
        byte[] sql = "SELECT 'C:\\'; DELETE FROM t".getBytes(StandardCharsets.US_ASCII);
        Classification multi = StatementClassifier.classify(sql, 0, sql.length, null, true);
        assertEquals(StatementKind.MULTI, multi.kind());
        assertTrue(multi.has(StatementFlag.MULTI_NON_READ));
        assertFalse(multi.has(StatementFlag.MALFORMED));
        // With escapes, the quote after the backslash is in the string, which never ends.
        Classification one = StatementClassifier.classify(sql, 0, sql.length, null, false);
        assertEquals(StatementKind.READ, one.kind());
        assertTrue(one.has(StatementFlag.MALFORMED));
    }

    @Test
    void aQuoteOpenedInsideTheSliceDoesNotReadPastIt() {
        byte[] buffer = "SELECT 'abc' FOR UPDATE".getBytes(StandardCharsets.US_ASCII);
        Classification cut = StatementClassifier.classify(buffer, 0, 9);
        assertEquals(StatementKind.READ, cut.kind());
        assertTrue(cut.has(StatementFlag.MALFORMED));
        assertFalse(cut.has(StatementFlag.LOCKING_READ));
    }

    @Test
    void rejectsABadSlice() {
        byte[] buffer = new byte[10];
        assertThrows(IndexOutOfBoundsException.class, () -> StatementClassifier.classify(buffer, 5, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> StatementClassifier.classify(buffer, -1, 2));
        assertThrows(NullPointerException.class, () -> StatementClassifier.classify((byte[]) null, 0, 0));
    }

    @Test
    void flaglessResultsAreSharedInstances() {
        assertSame(StatementClassifier.classify("SELECT 1"), StatementClassifier.classify("select * from t"));
        assertSame(StatementClassifier.classify("COMMIT"), StatementClassifier.classify("commit work"));
        assertEquals(
                StatementClassifier.classify("SELECT 1 FOR UPDATE"),
                StatementClassifier.classify("SELECT 2 FOR SHARE"));
    }

    @Test
    void reasonNamesKindFlagsAndHint() {
        assertEquals("READ", StatementClassifier.classify("SELECT 1").reason());
        assertEquals(
                "READ[LOCKING_READ,SESSION_FUNCTION] hint=REPLICA",
                StatementClassifier.classify("/* route=replica */ SELECT LAST_INSERT_ID() FOR UPDATE")
                        .reason());
        assertEquals(
                "MULTI[MULTI_NON_READ]",
                StatementClassifier.classify("SELECT 1; DELETE FROM t").reason());
    }

    @Test
    void primaryRequiredMaskMatchesTheFlags() {
        for (StatementFlag flag : StatementFlag.values()) {
            assertEquals(flag.primaryRequired(), (StatementFlag.PRIMARY_REQUIRED_MASK & flag.bit()) != 0, flag.name());
        }
    }

    @Test
    void neverThrowsOnRandomBytes() {
        Random random = new Random(20_260_101L);
        byte[] buffer = new byte[256];
        for (int i = 0; i < 100_000; i++) {
            random.nextBytes(buffer);
            int offset = random.nextInt(buffer.length);
            int length = random.nextInt(buffer.length - offset + 1);
            assertNotNull(StatementClassifier.classify(buffer, offset, length));
        }
    }

    @Test
    void neverThrowsOnRandomSqlLikeText() {
        Random random = new Random(42L);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            text.setLength(0);
            int fragments = random.nextInt(24);
            for (int f = 0; f < fragments; f++) {
                text.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                if (random.nextInt(3) != 0) {
                    text.append(' ');
                }
            }
            Classification result = StatementClassifier.classify(text.toString());
            assertNotNull(result);
            if (result.isReplicaSafe()) {
                assertFalse(result.isPrimaryRequired(), text::toString);
            }
        }
    }

    @Test
    void commonStatementsAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        byte[][] statements = {
            bytes("SELECT c FROM sbtest1 WHERE id=42"),
            bytes("/* load com.x.User */ select u1_0.id,u1_0.name from users u1_0 where u1_0.id=?"),
            bytes("SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 1 AND 100 ORDER BY c"),
            bytes("UPDATE sbtest1 SET k=k+1 WHERE id=42"),
            bytes("INSERT INTO sbtest1 (id, k, c, pad) VALUES (1, 2, 'c', 'pad')"),
            bytes("DELETE FROM sbtest1 WHERE id=42"),
            bytes("BEGIN"),
            bytes("COMMIT"),
            bytes("WITH x AS (SELECT 1) SELECT * FROM x"),
        };
        long sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += StatementClassifier.classify(
                            statements[i % statements.length], 0, statements[i % statements.length].length)
                    .flags();
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            byte[] sql = statements[i % statements.length];
            sink += StatementClassifier.classify(sql, 0, sql.length).flags();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, sink);
        // A single object per call would be well over a megabyte here; allow only measurement noise.
        assertTrue(allocated < 64 * 1024, () -> allocated + " bytes allocated for 100,000 classifications");
    }

    private static byte[] bytes(String sql) {
        return sql.getBytes(StandardCharsets.UTF_8);
    }
}

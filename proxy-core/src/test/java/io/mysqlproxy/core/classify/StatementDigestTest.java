package io.mysqlproxy.core.classify;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatementDigestTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            select c from sbtest1 where id=42                    | SELECT `c` FROM `sbtest1` WHERE `id` = ?
            SELECT c FROM sbtest1 WHERE id BETWEEN 5 AND 105     | SELECT `c` FROM `sbtest1` WHERE `id` BETWEEN ? AND ?
            UPDATE sbtest2 SET k=k+1 WHERE id=7                  | UPDATE `sbtest2` SET `k` = `k` + ? WHERE `id` = ?
            SELECT * FROM t WHERE a = -1 AND b = +2.5e-3         | SELECT * FROM `t` WHERE `a` = ? AND `b` = ?
            SELECT a - 1, -a FROM t                              | SELECT `a` - ? , - `a` FROM `t`
            SELECT (-1)                                          | SELECT (?)
            SELECT * FROM t WHERE id IN (1, 2, 3)                | SELECT * FROM `t` WHERE `id` IN (...)
            SELECT * FROM t WHERE id IN (7)                      | SELECT * FROM `t` WHERE `id` IN (?)
            SELECT * FROM t WHERE id IN ('a', -2, 0x1F, X'0F')   | SELECT * FROM `t` WHERE `id` IN (...)
            INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')       | INSERT INTO `t` ( `a` , `b` ) VALUES (...) /* , ... */
            INSERT INTO t VALUES (1), (2), (-3)                  | INSERT INTO `t` VALUES (?) /* , ... */
            INSERT INTO t VALUES (1, 2)                          | INSERT INTO `t` VALUES (...)
            SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1             | SELECT ?
            /* route=replica */ SELECT 1 -- trailing             | SELECT ?
            # note\nselect `weird col` from `t`                  | SELECT `weird col` FROM `t`
            SELECT 'it''s', "say \\"hi\\"", N'n', _utf8mb4'u'     | SELECT ?, ...
            SELECT 1, 2 LIMIT 10, 20                             | SELECT ?, ... LIMIT ?, ...
            SELECT @@session.autocommit, @x := 5                 | SELECT @@SESSION . AUTOCOMMIT , @x := ?
            SELECT * FROM t WHERE d > DATE '2024-01-01'          | SELECT * FROM `t` WHERE `d` > DATE ?
            SELECT 0b101, 1e10, .5                               | SELECT ?, ... , . ?
            """)
    void normalises(String sql, String text) {
        String statement = sql.replace("\\n", "\n");
        assertEquals(text, StatementDigest.text(statement));
    }

    @Test
    void statementsThatDifferOnlyInLiteralsCaseAndSpacingShareADigest() {
        long digest = StatementDigest.of("SELECT c FROM sbtest1 WHERE id = 1");
        assertEquals(digest, StatementDigest.of("select c\n  from sbtest1 /* x */ where id=99999"));
        assertEquals(digest, StatementDigest.of("SELECT c FROM sbtest1 WHERE id = 'abc'"));
        assertEquals(digest, StatementDigest.of("SELECT c FROM sbtest1 WHERE id = -3"));
        assertNotEquals(digest, StatementDigest.of("SELECT c FROM sbtest2 WHERE id = 1"));
        assertNotEquals(digest, StatementDigest.of("SELECT d FROM sbtest1 WHERE id = 1"));
        assertNotEquals(digest, StatementDigest.of("SELECT c FROM sbtest1 WHERE id > 1"));
        assertEquals(digest, StatementDigest.of("SELECT c FROM sbtest1 WHERE id = ?"));
        long inList = StatementDigest.of("SELECT * FROM t WHERE a IN (1,2)");
        assertEquals(inList, StatementDigest.of("SELECT * FROM t WHERE a IN (3,4,5,6,7)"));
        assertNotEquals(inList, StatementDigest.of("SELECT * FROM t WHERE a IN (3)"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            SELECT c FROM sbtest1 WHERE id=42
            INSERT INTO t VALUES (1, 'x'), (2, 'y') ; SELECT 1
            SELECT /* route=primary */ a FROM t WHERE b IN (1,2) FOR UPDATE
            SET autocommit=0
            SELECT 'unterminated
            CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END
            WITH x AS (SELECT 1) SELECT * FROM x
            """)
    void theClassifierComputesTheSameDigestInItsPass(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        StatementDigest slot = new StatementDigest();
        Classification classification = StatementClassifier.classify(bytes, 0, bytes.length, slot);
        assertEquals(StatementDigest.of(sql), slot.value());
        assertEquals(StatementClassifier.classify(sql), classification);
    }

    @Test
    void noLiteralSurvivesInTheText() {
        String sql = "SELECT 'secret-value', 98765, x'CAFE', 12.75, -4e3 FROM t WHERE name = \"O'Brien\\\" x\""
                + " AND d IN ('2031-02-03', '2031-02-04') AND b = B'1010'";
        String text = StatementDigest.text(sql);
        for (String literal : new String[] {"secret", "98765", "CAFE", "12.75", "4e3", "Brien", "2031", "1010"}) {
            assertFalse(text.contains(literal), text);
        }
    }

    @Test
    void longTextIsCutButTheDigestCoversAll() {
        String columns = "c1, ".repeat(300);
        String a = "SELECT " + columns + ", a FROM t";
        String b = "SELECT " + columns + ", b FROM t";
        String text = StatementDigest.text(a);
        assertEquals(DigestScanner.MAX_TEXT + 3, text.length());
        assertTrue(text.endsWith("..."), text);
        assertNotEquals(StatementDigest.of(a), StatementDigest.of(b));
    }

    @Test
    void hexIsSixteenDigits() {
        assertEquals("000000000000001f", StatementDigest.hex(0x1fL));
        assertEquals("ffffffffffffffff", StatementDigest.hex(-1L));
    }
}

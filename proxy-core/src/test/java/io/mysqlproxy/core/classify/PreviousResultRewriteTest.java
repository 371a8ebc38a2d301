package io.mysqlproxy.core.classify;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PreviousResultRewriteTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "SELECT ROW_COUNT()|SELECT 3 AS `ROW_COUNT()`",
                "select found_rows()|select 12 AS `found_rows()`",
                "SELECT ROW_COUNT() AS n, FOUND_ROWS() FROM dual|SELECT 3 AS n, 12 AS `FOUND_ROWS()` FROM dual",
                "SELECT IF(ROW_COUNT() > 0, 'y', 'n')|SELECT IF(3 > 0, 'y', 'n')",
                "SELECT ROW_COUNT ( ) + 1|SELECT 3 + 1",
                "SELECT 'ROW_COUNT()', ROW_COUNT()|SELECT 'ROW_COUNT()', 3 AS `ROW_COUNT()`",
                "SELECT db.row_count(), /* FOUND_ROWS() */ 1|",
                "SELECT row_count|",
            })
    void replacesTheCallsOutsideStringsCommentsAndQualifiedNames(String sql, String expected) {
        byte[] rewritten = PreviousResultRewrite.rewrite(sql.getBytes(StandardCharsets.UTF_8), 3, 12);
        if (expected == null) {
            assertNull(rewritten);
        } else {
            assertEquals(expected, new String(rewritten, StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "SELECT LAST_INSERT_ID(42)|true",
                "UPDATE t SET id = LAST_INSERT_ID(id + 1)|true",
                "SELECT last_insert_id ( 7 )|true",
                "SELECT LAST_INSERT_ID()|false",
                "SELECT 'LAST_INSERT_ID(3)'|false",
                "SELECT @@identity|false",
            })
    void setsLastInsertIdOnlyWithAnArgument(String sql, boolean sets) {
        assertEquals(sets, SqlOperands.setsLastInsertId(sql.getBytes(StandardCharsets.UTF_8)));
    }
}

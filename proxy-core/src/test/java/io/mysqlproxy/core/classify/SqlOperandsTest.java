package io.mysqlproxy.core.classify;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqlOperandsTest {

    private static final String CONSISTENCY = "proxy_consistency";

    private static byte[] bytes(String sql) {
        return sql.getBytes(StandardCharsets.UTF_8);
    }

    // ---- USE

    @ParameterizedTest
    @CsvSource(delimiterString = "->", quoteCharacter = '§', textBlock = """
            USE app                        -> app
            use app                        -> app
            USE app;                       -> app
            §  USE   app  §                -> app
            /* c */ USE app                -> app
            USE app -- trailing comment    -> app
            USE `my-db`                    -> my-db
            use `my db`                    -> my db
            USE `we``ird`                  -> we`ird
            USE données                    -> données
            USE `select`                   -> select
            """)
    void useSchema(String sql, String schema) {
        assertEquals(schema, SqlOperands.useSchema(bytes(sql)), sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "USE",
                "USE ;",
                "USE app extra",
                "USE app.t",
                "USE @a",
                "SELECT 1",
                "",
                "/* USE app */",
            })
    void notAPlainUse(String sql) {
        assertNull(SqlOperands.useSchema(bytes(sql)), sql);
    }

    // ---- SET of user variables

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SET @a = 1",
                "SET @a=1",
                "SET @a := 1",
                "set @a = 42;",
                "SET @a = 0",
                "SET @a = -1",
                "SET @a = +1",
                "SET @a = 1.5",
                "SET @a = -1.5",
                "SET @a = 0.001",
                "SET @a = 1e10",
                "SET @a = 0x1F",
                "SET @a = 'text'",
                "SET @a = \"text\"",
                "SET @a = ''",
                "SET @a = 'it''s'",
                "SET @a = 'a, b = NOW()'",
                "SET @a = _utf8mb4'x'",
                "SET @a = _latin1 'x'",
                "SET @a = NULL",
                "SET @a = null",
                "SET @a = TRUE",
                "SET @a = false",
                "SET @`weird name` = 1",
                "SET @'quoted' = 'x'",
                "SET @a = 1, @b = 'two', @c = NULL",
                "SET @a = 1,@b=-2.5",
                "SET @a = 1, sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES'), @b = 2",
                "SET sql_mode = '', @a = 1",
                "SET SESSION time_zone = '+00:00', @a = 'x'",
                "SET @@session.time_zone = '+00:00', @a = TRUE",
                "SET @a = 1, @@session.max_execution_time = GREATEST(1, 2)",
                "SET @a = 1, autocommit = 0",
                "SET NAMES utf8mb4, @a = 1",
                "SET NAMES utf8mb4 COLLATE utf8mb4_bin, @a = 'x', @b = 2",
                "SET CHARACTER SET utf8mb4, @a = NULL",
                "SET @a = 1, NAMES utf8mb4",
                "SET @a = 1 /* comment */",
                "/* c */ SET @a = 1",
                "/*!40101 SET @a = 1 */",
            })
    void userVariablesGetConstants(String sql) {
        assertTrue(SqlOperands.userVariablesGetConstants(bytes(sql)), sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SET @a = NOW()",
                "SET @a = UUID()",
                "SET @a = @other",
                "SET @a = -@other",
                "SET @a = @@sql_mode",
                "SET @a = (SELECT 1)",
                "SET @a = (SELECT MAX(id) FROM t)",
                "SET @a = 1+1",
                "SET @a = 1 + 1",
                "SET @a = 'a' + 1",
                "SET @a = -x",
                "SET @a = x",
                "SET @a = CURRENT_TIMESTAMP",
                "SET @a = 1, @b = NOW()",
                "SET @a = NOW(), @b = 1",
                "SET sql_mode = '', @a = NOW()",
                "SET @a = 1, sql_mode = CONCAT(@@sql_mode, ',X'), @b = RAND()",
                "SET time_zone = 'UTC', @a := LAST_INSERT_ID()",
                "SET NAMES utf8mb4, @a = NOW()",
                "SET NAMES utf8mb4 COLLATE utf8mb4_bin, @a = (SELECT 1)",
                "SET CHARACTER SET utf8mb4, @a = @b",
                "SET CHARSET latin1, @a = 1 + 1",
                "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */",
                "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */",
                "SET @a",
                "SET @a, @b = 1",
                "SET @a =",
                "SELECT @a := 1",
            })
    void userVariablesGetExpressions(String sql) {
        assertFalse(SqlOperands.userVariablesGetConstants(bytes(sql)), sql);
    }

    // ---- SET proxy_consistency

    @ParameterizedTest
    @CsvSource(delimiterString = "->", quoteCharacter = '§', textBlock = """
            SET proxy_consistency='strong'                      -> strong
            SET proxy_consistency = 'strong'                    -> strong
            SET proxy_consistency = "eventual"                  -> eventual
            SET proxy_consistency = strong                      -> strong
            SET proxy_consistency := session                    -> session
            SET proxy_consistency = 'STRONG';                   -> strong
            SET PROXY_CONSISTENCY = Eventual                    -> eventual
            SET SESSION proxy_consistency = session             -> session
            set session proxy_consistency=strong                -> strong
            SET @@session.proxy_consistency=eventual            -> eventual
            SET @@SESSION.proxy_consistency = 'session'         -> session
            SET @@proxy_consistency = strong                    -> strong
            /* app */ SET proxy_consistency = strong            -> strong
            SET proxy_consistency = strong -- comment           -> strong
            SET proxy_consistency = 'nonsense'                  -> nonsense
            """)
    void proxySetting(String sql, String value) {
        assertEquals(value, SqlOperands.proxySetting(bytes(sql), CONSISTENCY), sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SET proxy_consistency = strong, autocommit = 0",
                "SET proxy_consistency = strong, proxy_consistency = eventual",
                "SET autocommit = 0, proxy_consistency = strong",
                "SET @a = 1, proxy_consistency = strong",
                "SET proxy_consistency_x = strong",
                "SET my_proxy_consistency = strong",
                "SET @proxy_consistency = strong",
                "SET @@proxy_consistency.x = strong",
                "SET GLOBAL proxy_consistency = strong",
                "SET @@global.proxy_consistency = strong",
                "SET PERSIST proxy_consistency = strong",
                "SET proxy_consistency",
                "SET proxy_consistency =",
                "SET proxy_consistency = ;",
                "SET proxy_consistency = CONCAT('str', 'ong')",
                "SET proxy_consistency = @a",
                "SET proxy_consistency = strong extra",
                "SET sql_mode = 'proxy_consistency'",
                "SET SESSION sql_mode = ''",
                "SELECT proxy_consistency FROM t",
                "SELECT 'SET proxy_consistency = strong'",
                "/* SET proxy_consistency = strong */ SELECT 1",
                "",
            })
    void notAProxySetting(String sql) {
        assertNull(SqlOperands.proxySetting(bytes(sql), CONSISTENCY), sql);
    }

    // ---- user variables named by CALL and GET DIAGNOSTICS

    @ParameterizedTest
    @ValueSource(
            strings = {
                "CALL p(@out)",
                "call my_proc(1, 'x', @out)",
                "CALL p(@`out var`, @'b')",
                "CALL db.p(1, @a + 1)",
                "GET DIAGNOSTICS @n = NUMBER",
                "GET DIAGNOSTICS CONDITION 1 @m = MESSAGE_TEXT",
                "GET CURRENT DIAGNOSTICS CONDITION 1 @errno = MYSQL_ERRNO, @m = MESSAGE_TEXT",
                "/*!50500 CALL p(@x) */",
            })
    void mentionsUserVariable(String sql) {
        assertTrue(SqlOperands.mentionsUserVariable(bytes(sql)), sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "CALL p()",
                "CALL p",
                "CALL p(1, 'a@b', \"@c\", `@d`)",
                "CALL p(@@session.sql_mode)",
                "CALL p() /* @x */",
                "CALL p() -- @x",
                "SHOW WARNINGS",
                "",
            })
    void mentionsNoUserVariable(String sql) {
        assertFalse(SqlOperands.mentionsUserVariable(bytes(sql)), sql);
    }

    // ---- KILL

    @ParameterizedTest
    @CsvSource(delimiterString = "->", quoteCharacter = '§', textBlock = """
            KILL 42                          -> 42, false
            kill 42;                         -> 42, false
            KILL CONNECTION 42               -> 42, false
            KILL QUERY 42                    -> 42, true
            kill query 7 -- why              -> 7, true
            /* c */ KILL HARD CONNECTION 3   -> 3, false
            KILL SOFT QUERY 3                -> 3, true
            KILL 4294967295                  -> 4294967295, false
            KILL 99999999999999999999        -> -1, false
            """)
    void killTarget(String sql, String target) {
        String[] parts = target.split(",\\s*");
        assertEquals(
                new SqlOperands.KillTarget(Long.parseLong(parts[0]), Boolean.parseBoolean(parts[1])),
                SqlOperands.killTarget(bytes(sql)),
                sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "KILL", "KILL QUERY", "KILL CONNECTION", "KILL USER app", "KILL QUERY ID 42", "KILL 40 + 2",
                        "KILL (42)",
                "KILL @id", "KILL 42abc", "KILL 4.2", "KILL 'x'", "KILL QUERY QUERY 42", "SELECT 42", "",
            })
    void notAKillOfAnId(String sql) {
        assertNull(SqlOperands.killTarget(bytes(sql)), sql);
    }
}

package io.mysqlproxy.core.classify;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionIdRewriteTest {

    private static final long ID = 42;

    private static String rewrite(String sql) {
        byte[] rewritten = ConnectionIdRewrite.rewrite(sql.getBytes(StandardCharsets.UTF_8), ID);
        return rewritten == null ? null : new String(rewritten, StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            SELECT CONNECTION_ID()                          | SELECT 42 AS `CONNECTION_ID()`
            select connection_id()                          | select 42 AS `connection_id()`
            SELECT Connection_Id ( )                        | SELECT 42 AS `Connection_Id ( )`
            SELECT CONNECTION_ID/* c */()                   | SELECT 42 AS `CONNECTION_ID/* c */()`
            SELECT CONNECTION_ID() AS id                    | SELECT 42 AS id
            SELECT CONNECTION_ID() id                       | SELECT 42 id
            SELECT CONNECTION_ID() + 1                      | SELECT 42 + 1
            SELECT 1, CONNECTION_ID(), 2                    | SELECT 1, 42 AS `CONNECTION_ID()`, 2
            SELECT DISTINCT CONNECTION_ID() FROM t          | SELECT DISTINCT 42 AS `CONNECTION_ID()` FROM t
            SELECT CONNECTION_ID();                         | SELECT 42 AS `CONNECTION_ID()`;
            SELECT a FROM t WHERE b = CONNECTION_ID()       | SELECT a FROM t WHERE b = 42
            SELECT IFNULL(CONNECTION_ID(), 0)               | SELECT IFNULL(42, 0)
            SELECT (SELECT 1), CONNECTION_ID()              | SELECT (SELECT 1), 42 AS `CONNECTION_ID()`
            SELECT x FROM (SELECT CONNECTION_ID() x) d      | SELECT x FROM (SELECT 42 x) d
            SELECT @@pseudo_thread_id                       | SELECT 42 AS `@@pseudo_thread_id`
            SELECT @@session.pseudo_thread_id, 1            | SELECT 42 AS `@@session.pseudo_thread_id`, 1
            SELECT @@LOCAL . PSEUDO_THREAD_ID = 42          | SELECT 42 = 42
            SELECT @@sort_buffer_size, @@pseudo_thread_id   | SELECT @@sort_buffer_size, 42 AS `@@pseudo_thread_id`
            KILL CONNECTION_ID()                            | KILL 42
            KILL QUERY connection_id()                      | KILL QUERY 42
            INSERT INTO t VALUES (CONNECTION_ID())          | INSERT INTO t VALUES (42)
            SET @me = CONNECTION_ID()                       | SET @me = 42
            SET @me = @@pseudo_thread_id                    | SET @me = 42
            DO CONNECTION_ID()                              | DO 42
            SELECT 'x'; SELECT CONNECTION_ID()              | SELECT 'x'; SELECT 42 AS `CONNECTION_ID()`
            kill 7; select connection_id() as me            | kill 7; select 42 as me
            /*!SELECT CONNECTION_ID() */                    | /*!SELECT 42 AS `CONNECTION_ID()` */
            SELECT CONNECTION_ID/*`*/()                     | SELECT 42 AS `CONNECTION_ID/*``*/()`
            CREATE VIEW v AS SELECT CONNECTION_ID(); SELECT CONNECTION_ID() | CREATE VIEW v AS SELECT CONNECTION_ID(); SELECT 42 AS `CONNECTION_ID()`
            SELECT CONNECTION_ID(); ALTER VIEW v AS SELECT CONNECTION_ID() | SELECT 42 AS `CONNECTION_ID()`; ALTER VIEW v AS SELECT CONNECTION_ID()
            """)
    void rewritesReadsOfTheConnectionId(String sql, String expected) {
        assertEquals(expected, rewrite(sql));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            SELECT 'CONNECTION_ID()'
            SELECT "select connection_id()"
            SELECT `CONNECTION_ID()` FROM t
            SELECT 1 /* CONNECTION_ID() */
            SELECT 1 -- CONNECTION_ID()
            SELECT 1 # @@pseudo_thread_id
            SELECT connection_id FROM t
            SELECT db.connection_id() FROM t
            SELECT CONNECTION_ID(5)
            SET @@pseudo_thread_id = 5
            SET @@session.pseudo_thread_id := 5
            SET @a = 1, @@pseudo_thread_id = 5
            SELECT @@global.pseudo_thread_id
            SELECT @@pseudo_thread_id_other
            SELECT 1
            """)
    void leavesEverythingElseAlone(String sql) {
        assertNull(rewrite(sql));
    }

    /** Definitions keep the call: the server evaluates it each time the object runs, not the proxy once. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.c = CONNECTION_ID()
            CREATE DEFINER = CURRENT_USER TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.c = @@pseudo_thread_id
            CREATE VIEW v AS SELECT CONNECTION_ID()
            create or replace view v as select connection_id() as id
            ALTER VIEW v AS SELECT CONNECTION_ID()
            CREATE PROCEDURE p() BEGIN SELECT CONNECTION_ID(); INSERT INTO t VALUES (CONNECTION_ID()); END
            CREATE FUNCTION f() RETURNS BIGINT RETURN CONNECTION_ID()
            CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO INSERT INTO t VALUES (CONNECTION_ID())
            ALTER EVENT e DO INSERT INTO t VALUES (CONNECTION_ID())
            CREATE TABLE t (c BIGINT DEFAULT (CONNECTION_ID()))
            ALTER TABLE t ALTER COLUMN c SET DEFAULT (CONNECTION_ID())
            CREATE TABLE t AS SELECT CONNECTION_ID() AS c
            CREATE TEMPORARY TABLE t (c BIGINT DEFAULT (CONNECTION_ID()))
            /*!50001 CREATE VIEW v AS SELECT CONNECTION_ID() */
            """)
    void leavesDefinitionsAlone(String sql) {
        assertNull(rewrite(sql));
    }

    @Test
    void anUnsignedIdIsWrittenUnsigned() {
        byte[] rewritten = ConnectionIdRewrite.rewrite("DO CONNECTION_ID()".getBytes(StandardCharsets.UTF_8), -1L);
        assertEquals("DO 18446744073709551615", new String(rewritten, StandardCharsets.UTF_8));
    }

    @Test
    void theClassifierFlagsOnlyTextsThatNameTheConnectionId() {
        assertTrue(StatementClassifier.classify("SELECT connection_id()").has(StatementFlag.CONNECTION_ID));
        assertTrue(StatementClassifier.classify("SELECT @@pseudo_thread_id").has(StatementFlag.CONNECTION_ID));
        assertTrue(StatementClassifier.classify("KILL CONNECTION_ID()").has(StatementFlag.CONNECTION_ID));
        assertTrue(StatementClassifier.classify("INSERT INTO t VALUES (1); SELECT CONNECTION_ID()")
                .has(StatementFlag.CONNECTION_ID));
        assertFalse(StatementClassifier.classify("SELECT 'connection_id()'").has(StatementFlag.CONNECTION_ID));
        assertFalse(
                StatementClassifier.classify("SELECT 1 /* connection_id() */").has(StatementFlag.CONNECTION_ID));
        assertFalse(StatementClassifier.classify("SELECT @@sort_buffer_size").has(StatementFlag.CONNECTION_ID));
        // Read like any read: the rewritten text names no server-specific value.
        assertTrue(StatementClassifier.classify("SELECT CONNECTION_ID()").isReplicaSafe());
    }
}

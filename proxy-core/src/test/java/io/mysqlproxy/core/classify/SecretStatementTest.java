package io.mysqlproxy.core.classify;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecretStatementTest {

    private static boolean mayHoldPassword(String sql) {
        byte[] bytes = ("xx" + sql).getBytes(StandardCharsets.UTF_8);
        return SecretStatement.mayHoldPassword(bytes, 2, bytes.length - 2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            ALTER USER app IDENTIFIED BY 'pw'
            alter user if exists 'app'@'%' identified with caching_sha2_password by 'pw'
            CREATE USER app IDENTIFIED BY 'pw'
            CREATE OR REPLACE USER app IDENTIFIED VIA ed25519 USING PASSWORD('pw')
            GRANT ALL ON *.* TO app IDENTIFIED BY 'pw'
            SET PASSWORD = 'pw'
            set password for app = password('pw')
            CHANGE MASTER TO MASTER_HOST = 'h', MASTER_PASSWORD = 'pw'
            CHANGE REPLICATION SOURCE TO SOURCE_USER = 'r', SOURCE_PASSWORD = 'pw'
            START SLAVE USER = 'r' PASSWORD = 'pw'
            START REPLICA USER = 'r' PASSWORD = 'pw'
            CREATE SERVER s FOREIGN DATA WRAPPER mysql OPTIONS (USER 'r', PASSWORD 'pw')
            SELECT 1; ALTER USER app IDENTIFIED BY 'pw'
            /*!80000 ALTER USER app IDENTIFIED BY 'pw' */
            CREATE PROCEDURE p() BEGIN ALTER USER app IDENTIFIED BY 'pw'; END
            """)
    void statementsThatMayCarryAPasswordAreFound(String sql) {
        assertTrue(mayHoldPassword(sql));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "SELECT 'IDENTIFIED BY'",
                "SELECT `password` FROM t",
                "SELECT 1 /* PASSWORD */",
                "CREATE USER app",
                "GRANT SELECT ON db.* TO app",
                "ALTER USER app ACCOUNT LOCK",
                "SELECT 1"
            })
    void otherStatementsAreNot(String sql) {
        assertFalse(mayHoldPassword(sql));
    }
}

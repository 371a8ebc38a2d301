package io.mysqlproxy.core.classify;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TimeoutAssignmentTest {

    /** {@code expected}: the seconds assigned, DEFAULT, or NONE (nothing the proxy reads). */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SET wait_timeout = 5                                      | 5
            set WAIT_TIMEOUT=5                                        | 5
            SET wait_timeout := 7                                     | 7
            SET SESSION wait_timeout = 5                              | 5
            SET LOCAL wait_timeout = 5                                | 5
            SET @@wait_timeout = 5                                    | 5
            SET @@session.wait_timeout = 5                            | 5
            SET @@SESSION.wait_timeout = 5                            | 5
            SET @@local.wait_timeout = 5                              | 5
            SET /* why */ wait_timeout = 5 -- because                 | 5
            SET autocommit = 1, wait_timeout = 9, sql_mode = ''       | 9
            SET wait_timeout = 5, wait_timeout = 6                    | 6
            SET NAMES utf8mb4, @@session.wait_timeout = 12            | 12
            SET wait_timeout = DEFAULT                                | DEFAULT
            SET SESSION wait_timeout = default                        | DEFAULT
            SET wait_timeout = 0                                      | 1
            SET wait_timeout = -5                                     | 1
            SET wait_timeout = +5                                     | 5
            SET wait_timeout = 31536001                               | 31536000
            SET wait_timeout = 99999999999999999999999                | 31536000
            SET wait_timeout = 31536000                               | 31536000
            SET GLOBAL wait_timeout = 5                               | NONE
            SET @@global.wait_timeout = 5                             | NONE
            SET PERSIST wait_timeout = 5                              | NONE
            SET GLOBAL max_connections = 10, wait_timeout = 5         | NONE
            SET GLOBAL max_connections = 10, SESSION wait_timeout = 5 | 5
            SET wait_timeout = 5, GLOBAL wait_timeout = 6             | 5
            SET @@global.max_connections = 151, wait_timeout = 5      | 5
            SET GLOBAL max_connections = 9, @@session.sort_buffer_size = 1, wait_timeout = 5 | NONE
            SET GLOBAL max_connections = 9, @@wait_timeout = 5        | 5
            SET SESSION sql_mode = '', @@global.max_connections = 9, wait_timeout = 5 | 5
            SET wait_timeout = @t                                     | NONE
            SET wait_timeout = 5 + 1                                  | NONE
            SET wait_timeout = (SELECT 5)                             | NONE
            SET wait_timeout = '5'                                    | NONE
            SET wait_timeout = 5, wait_timeout = @t                   | 5
            SET interactive_timeout = 5                               | NONE
            SET @wait_timeout = 5                                     | NONE
            SET net_wait_timeout = 5                                  | NONE
            SET sql_mode = 'wait_timeout = 5'                         | NONE
            SELECT 1                                                  | NONE
            """)
    void readsTheSessionsAssignment(String sql, String expected) {
        TimeoutAssignment assignment = TimeoutAssignment.in(sql.getBytes(StandardCharsets.UTF_8), "wait_timeout");
        String actual = !assignment.assigned()
                ? "NONE"
                : assignment.restoresDefault() ? "DEFAULT" : Long.toString(assignment.seconds());
        assertEquals(expected, actual);
    }
}

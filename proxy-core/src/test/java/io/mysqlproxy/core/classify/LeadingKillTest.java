package io.mysqlproxy.core.classify;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class LeadingKillTest {

    private static LeadingKill of(String sql) {
        return LeadingKill.of(sql.getBytes(StandardCharsets.UTF_8));
    }

    private static String rest(String sql) {
        return sql.substring(of(sql).restStart());
    }

    @Test
    void aKillFirstAndAloneGivesItsTargetAndTheRest() {
        LeadingKill kill = of("kill 5; select sleep(0.05)");
        assertEquals(new SqlOperands.KillTarget(5, false), kill.target());
        assertEquals(" select sleep(0.05)", rest("kill 5; select sleep(0.05)"));
        assertEquals(
                new SqlOperands.KillTarget(7, true),
                of("/* c */ KILL QUERY 7 ;SELECT 1; SELECT 2").target());
        assertEquals("SELECT 1; SELECT 2", rest("/* c */ KILL QUERY 7 ;SELECT 1; SELECT 2"));
        assertEquals(" SELECT ';'", rest("KILL CONNECTION 9; SELECT ';'"));
    }

    @Test
    void anUnmappedKillFirstHasNoTarget() {
        LeadingKill kill = of("KILL USER app; SELECT 1");
        assertNotNull(kill);
        assertNull(kill.target());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT 1; KILL 5",
                "KILL 5; KILL 6",
                "KILL 5; SELECT 1; KILL QUERY 6",
                "KILL 5; LOAD DATA LOCAL INFILE 'f' INTO TABLE t",
                "SELECT 'KILL 5'; SELECT 1"
            })
    void otherPlacesAreNotALeadingKill(String sql) {
        assertNull(of(sql), sql);
    }
}

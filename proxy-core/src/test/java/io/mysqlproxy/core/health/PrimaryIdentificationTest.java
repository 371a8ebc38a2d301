package io.mysqlproxy.core.health;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.PrimaryMode;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendCondition;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.Writability;
import io.mysqlproxy.core.topology.WriteGate;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.mysqlproxy.core.config.PrimaryMode.CONFIGURED;
import static io.mysqlproxy.core.config.PrimaryMode.FOLLOW_WRITABLE;
import static io.mysqlproxy.core.topology.Writability.READ_ONLY;
import static io.mysqlproxy.core.topology.Writability.UNKNOWN;
import static io.mysqlproxy.core.topology.Writability.WRITABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrimaryIdentificationTest {

    private final Backend primary = backend(0, BackendRole.PRIMARY);
    private final Backend one = backend(1, BackendRole.REPLICA);
    private final Backend two = backend(2, BackendRole.REPLICA);
    private BackendState twoState = BackendState.UP;
    private Topology topology = Topology.of(primary, List.of(one, two));

    private static Backend backend(int ordinal, BackendRole role) {
        return new Backend(new HostPort("10.0.0." + ordinal, 3306), role, "mysql-" + ordinal);
    }

    private static BackendCondition reads(Writability writability) {
        return new BackendCondition(BackendState.UP, -1, writability, 1);
    }

    /** Publishes what the checks read of each server's read_only, and judges it. */
    private PrimaryIdentification.Verdict judge(PrimaryMode mode, Writability p, Writability r1, Writability r2) {
        topology = new Topology(
                primary,
                List.of(one, two),
                Map.of(primary, reads(p), one, reads(r1), two, reads(r2).withState(twoState)));
        return PrimaryIdentification.judge(mode, topology);
    }

    @Test
    void theConfiguredPrimaryIsConfirmedByBeingTheOnlyWritableServer() {
        assertSame(PrimaryIdentification.Verdict.AGREED, judge(CONFIGURED, WRITABLE, READ_ONLY, READ_ONLY));
    }

    @Test
    void unknownIsNoEvidence() {
        // A dead primary, or a monitor that cannot log in: writes are not refused on that alone.
        assertSame(PrimaryIdentification.Verdict.AGREED, judge(CONFIGURED, UNKNOWN, UNKNOWN, UNKNOWN));
        assertSame(PrimaryIdentification.Verdict.AGREED, judge(FOLLOW_WRITABLE, UNKNOWN, READ_ONLY, UNKNOWN));
    }

    @Test
    void aReadOnlyConfiguredPrimaryRefusesWrites() {
        PrimaryIdentification.Verdict verdict = judge(CONFIGURED, READ_ONLY, READ_ONLY, READ_ONLY);
        assertEquals("the primary primary mysql-0 (10.0.0.0:3306) reports read_only = ON", verdict.refusal());
        assertNull(verdict.promote(), "configured mode never promotes");

        verdict = judge(CONFIGURED, READ_ONLY, WRITABLE, READ_ONLY);
        assertTrue(
                verdict.refusal().contains("replica mysql-1 (10.0.0.1:3306) reports read_only = OFF: a failover?"),
                verdict.refusal());
        assertNull(verdict.promote());
    }

    @Test
    void aWritableReplicaBesideTheConfiguredPrimaryRefusesWrites() {
        PrimaryIdentification.Verdict verdict = judge(CONFIGURED, WRITABLE, READ_ONLY, WRITABLE);
        assertTrue(
                verdict.refusal()
                        .startsWith(
                                "replica mysql-2 (10.0.0.2:3306) reports read_only = OFF as well as " + "the primary"),
                verdict.refusal());
        assertTrue(judge(CONFIGURED, UNKNOWN, WRITABLE, READ_ONLY).refusal() != null);
    }

    @Test
    void aDrainingReplicaIsNoLongerEvidence() {
        twoState = BackendState.DRAINING;
        assertSame(PrimaryIdentification.Verdict.AGREED, judge(CONFIGURED, WRITABLE, READ_ONLY, WRITABLE));
    }

    @Test
    void followWritablePromotesTheOnlyWritableReplica() {
        PrimaryIdentification.Verdict verdict = judge(FOLLOW_WRITABLE, READ_ONLY, READ_ONLY, WRITABLE);
        assertSame(two, verdict.promote());
        assertNull(verdict.refusal());
        verdict = judge(FOLLOW_WRITABLE, UNKNOWN, WRITABLE, UNKNOWN);
        assertSame(one, verdict.promote(), "the primary is gone and a replica took over");
    }

    @Test
    void followWritableNeverMakesTwoPrimaries() {
        PrimaryIdentification.Verdict verdict = judge(FOLLOW_WRITABLE, WRITABLE, WRITABLE, READ_ONLY);
        assertNull(verdict.promote());
        assertTrue(
                verdict.refusal().startsWith("2 servers report read_only = OFF (primary mysql-0"), verdict.refusal());
        verdict = judge(FOLLOW_WRITABLE, UNKNOWN, WRITABLE, WRITABLE);
        assertNull(verdict.promote());
        assertTrue(
                verdict.refusal().startsWith("2 servers report read_only = OFF (replica mysql-1"), verdict.refusal());
        assertEquals(
                "no server reports read_only = OFF (the primary primary mysql-0 (10.0.0.0:3306) is read-only)",
                judge(FOLLOW_WRITABLE, READ_ONLY, READ_ONLY, READ_ONLY).refusal());
    }

    @Test
    void evaluationClosesAndOpensTheGateOncePerChangeAndPromotes() {
        WriteGate gate = new WriteGate();
        List<String> heard = new ArrayList<>();
        List<Backend> promoted = new ArrayList<>();
        PrimaryIdentification identification = new PrimaryIdentification(
                FOLLOW_WRITABLE, () -> topology, gate, promoted::add, new PrimaryIdentification.Listener() {
                    @Override
                    public void writesRefused(boolean refused) {
                        heard.add("refused " + refused);
                    }

                    @Override
                    public void primaryChanged() {
                        heard.add("primary changed");
                    }
                });
        judge(FOLLOW_WRITABLE, WRITABLE, WRITABLE, READ_ONLY);
        identification.evaluate();
        identification.evaluate();
        assertTrue(gate.refusal() != null);
        assertEquals(List.of("refused true"), heard, "said once");

        judge(FOLLOW_WRITABLE, WRITABLE, READ_ONLY, READ_ONLY);
        identification.evaluate();
        assertTrue(gate.open());
        assertEquals(List.of("refused true", "refused false"), heard);

        judge(FOLLOW_WRITABLE, READ_ONLY, WRITABLE, READ_ONLY);
        identification.evaluate();
        assertEquals(List.of(one), promoted);
        assertEquals(List.of("refused true", "refused false", "primary changed"), heard);
    }
}

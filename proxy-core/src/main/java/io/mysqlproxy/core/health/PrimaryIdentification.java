package io.mysqlproxy.core.health;

import io.mysqlproxy.core.config.PrimaryMode;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.Writability;
import io.mysqlproxy.core.topology.WriteGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Decides, from what the health checks read of each server's {@code read_only}, which backend is
 * the primary and whether writes may go to it. There are never two primaries: when the evidence
 * conflicts, writes are refused (see {@link WriteGate}) until it agrees again. In
 * {@link PrimaryMode#FOLLOW_WRITABLE}, a replica that becomes the only writable server is promoted.
 * A server whose {@code read_only} is unknown (unreachable) is no evidence either way, so a wrong
 * monitor password or a dead primary never closes the gate by itself.
 */
public final class PrimaryIdentification {

    private static final Logger log = LoggerFactory.getLogger(PrimaryIdentification.class);

    /** What else hears of a decision: the metrics. */
    public interface Listener {
        void writesRefused(boolean refused);

        void primaryChanged();
    }

    /** What the evidence says: writes refused for {@code refusal} (or allowed, null), and a replica to promote. */
    record Verdict(String refusal, Backend promote) {
        static final Verdict AGREED = new Verdict(null, null);
    }

    private final PrimaryMode mode;
    private final Supplier<Topology> topology;
    private final WriteGate gate;
    private final Consumer<Backend> promote;
    private final Listener listener;

    public PrimaryIdentification(
            PrimaryMode mode,
            Supplier<Topology> topology,
            WriteGate gate,
            Consumer<Backend> promote,
            Listener listener) {
        this.mode = mode;
        this.topology = topology;
        this.gate = gate;
        this.promote = promote;
        this.listener = listener;
    }

    /** Weighs the latest evidence; called by the monitor after each check. */
    public synchronized void evaluate() {
        Topology current = topology.get();
        Verdict verdict = judge(mode, current);
        if (verdict.promote() != null) {
            log.warn(
                    "primary change: {} is the only writable server (read_only = OFF); it replaces {} as the primary",
                    verdict.promote(),
                    current.primary());
            promote.accept(verdict.promote());
            listener.primaryChanged();
        }
        if (gate.set(verdict.refusal())) {
            if (verdict.refusal() != null) {
                log.error("refusing writes: {}", verdict.refusal());
            } else {
                log.warn(
                        "writes allowed again: {} is the only writable server",
                        topology.get().primary());
            }
            listener.writesRefused(verdict.refusal() != null);
        }
    }

    static Verdict judge(PrimaryMode mode, Topology topology) {
        Backend primary = topology.primary();
        List<Backend> writableReplicas = topology.replicas().stream()
                .filter(r -> topology.state(r) != BackendState.DRAINING
                        && topology.condition(r).writability() == Writability.WRITABLE)
                .toList();
        Writability primaryWritability = topology.condition(primary).writability();
        boolean primaryReadOnly = primaryWritability == Writability.READ_ONLY;
        boolean primaryWritable = primaryWritability == Writability.WRITABLE;
        if (mode == PrimaryMode.FOLLOW_WRITABLE) {
            int writable = writableReplicas.size() + (primaryWritable ? 1 : 0);
            if (writable > 1) {
                return new Verdict(
                        writable + " servers report read_only = OFF ("
                                + names(primaryWritable ? primary : null, writableReplicas)
                                + "); refusing writes rather than risk two primaries",
                        null);
            }
            if (writableReplicas.size() == 1) {
                return new Verdict(null, writableReplicas.get(0));
            }
            return primaryReadOnly
                    ? new Verdict("no server reports read_only = OFF (the primary " + primary + " is read-only)", null)
                    : Verdict.AGREED;
        }
        if (primaryReadOnly) {
            return new Verdict(
                    "the primary " + primary + " reports read_only = ON"
                            + (writableReplicas.isEmpty()
                                    ? ""
                                    : ", and " + names(null, writableReplicas)
                                            + " reports read_only = OFF: a failover? backends.primary-mode = follow-writable follows one"),
                    null);
        }
        if (!writableReplicas.isEmpty()) {
            return new Verdict(
                    names(null, writableReplicas) + " reports read_only = OFF as well as the primary " + primary
                            + "; refusing writes rather than risk two primaries (replicas must be read-only)",
                    null);
        }
        return Verdict.AGREED;
    }

    private static String names(Backend primary, List<Backend> replicas) {
        String listed = replicas.stream().map(Backend::toString).collect(Collectors.joining(", "));
        return primary == null ? listed : primary + ", " + listed;
    }
}

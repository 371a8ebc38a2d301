package io.mysqlproxy.core.admin;

import io.mysqlproxy.core.topology.Topology;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Ready while the proxy accepts clients and can serve reads: a replica is up, or the primary is
 * (reads fall back to it). The primary being down alone never makes the proxy unready, since
 * taking every proxy out of its Service for a primary restart would take the reads away too;
 * {@link State#writes()} says whether writes can be served. Read from the health monitor's
 * topology, so a check costs nothing and never touches a backend.
 */
public final class ServingReadiness implements Readiness {

    private final BooleanSupplier accepting;
    private final Supplier<Topology> topology;
    private final Supplier<String> writeRefusal;

    /**
     * @param writeRefusal why writes are refused now (the write gate), or null when they go through
     */
    public ServingReadiness(BooleanSupplier accepting, Supplier<Topology> topology, Supplier<String> writeRefusal) {
        this.accepting = accepting;
        this.topology = topology;
        this.writeRefusal = writeRefusal;
    }

    @Override
    public State check() {
        return of(accepting.getAsBoolean(), topology.get(), writeRefusal.get());
    }

    /** The rule itself: what {@code /readyz} says about {@code topology}. */
    public static State of(boolean accepting, Topology topology, String writeRefusal) {
        if (!accepting) {
            return new State(false, false, false, "not accepting clients (draining or not listening)");
        }
        boolean primaryUp = topology.condition(topology.primary()).usable();
        int replicasUp = topology.usableReplicas().size();
        boolean reads = primaryUp || replicasUp > 0;
        boolean writes = primaryUp && writeRefusal == null;
        String backends = "primary " + topology.primary().name() + " "
                + topology.state(topology.primary()).label() + ", " + replicasUp + " of "
                + topology.replicas().size() + " replicas up";
        String reason;
        if (!reads) {
            reason = "no backend can serve: " + backends;
        } else if (!primaryUp) {
            reason = "reads only: " + backends;
        } else if (writeRefusal != null) {
            reason = "reads only, writes refused (" + writeRefusal + "): " + backends;
        } else {
            reason = backends;
        }
        return new State(reads, reads, writes, reason);
    }
}

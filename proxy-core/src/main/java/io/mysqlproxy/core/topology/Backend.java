package io.mysqlproxy.core.topology;

import io.mysqlproxy.core.config.HostPort;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One MySQL server the proxy may send work to. Its identity (address, role, name) never changes;
 * its state is written by health checks and discovery and read without locks on the hot path.
 * The outstanding-request count feeds least-outstanding replica choice.
 */
public final class Backend {

    private final HostPort address;
    private final BackendRole role;
    private final String name;
    private volatile int weight;
    private final java.util.concurrent.atomic.AtomicReference<BackendState> state =
            new java.util.concurrent.atomic.AtomicReference<>(BackendState.UP);
    private final AtomicInteger outstanding = new AtomicInteger();
    private final LongAdder statements = new LongAdder();
    private volatile long lagSeconds = -1;
    private volatile Writability writability = Writability.UNKNOWN;
    /** Until this System.nanoTime(), read-your-writes waits skip this replica (it just timed out one). */
    private final AtomicLong consistencyCooldownUntil = new AtomicLong(System.nanoTime());

    public Backend(HostPort address, BackendRole role, String name, int weight) {
        this.address = address;
        this.role = role;
        this.name = name;
        this.weight = weight;
    }

    public HostPort address() {
        return address;
    }

    public BackendRole role() {
        return role;
    }

    /** A stable, operator-facing name: the pod name when known, else the address. */
    public String name() {
        return name;
    }

    /** The pod behind this backend, or null when only its address is known (static configuration). */
    public String pod() {
        return name.equals(address.toString()) ? null : name;
    }

    public int weight() {
        return weight;
    }

    /** A configuration reload changed the weight of this replica. */
    public void weight(int weight) {
        this.weight = weight;
    }

    public BackendState state() {
        return state.get();
    }

    public void state(BackendState state) {
        this.state.set(state);
    }

    /**
     * Moves from {@code expected} to {@code next} only if nothing else (discovery draining it, say)
     * changed the state in between; returns whether it moved.
     */
    public boolean transition(BackendState expected, BackendState next) {
        return state.compareAndSet(expected, next);
    }

    /** Whether new work may go here. */
    public boolean usable() {
        return state.get() == BackendState.UP;
    }

    public int outstanding() {
        return outstanding.get();
    }

    /** A request is sent here; pair with {@link #requestEnded()}. */
    public void requestStarted() {
        outstanding.incrementAndGet();
    }

    public void requestEnded() {
        outstanding.decrementAndGet();
    }

    /** Replication lag at the last health check, in seconds; -1 when unknown (or the primary). */
    public long lagSeconds() {
        return lagSeconds;
    }

    public void lagSeconds(long lag) {
        this.lagSeconds = lag;
    }

    /** What {@code read_only} said at the last health check. */
    public Writability writability() {
        return writability;
    }

    public void writability(Writability writability) {
        this.writability = writability;
    }

    /** A client statement (COM_QUERY or COM_STMT_EXECUTE) was sent here. */
    public void statementRouted() {
        statements.increment();
    }

    /** Client statements sent here since start-up. */
    public long statements() {
        return statements.sum();
    }

    /** After a read-your-writes wait timed out here: let other replicas take such reads for a while. */
    public void coolDownForConsistency(long nanos) {
        consistencyCooldownUntil.set(System.nanoTime() + nanos);
    }

    public boolean coolingDownForConsistency() {
        return System.nanoTime() - consistencyCooldownUntil.get() < 0;
    }

    @Override
    public String toString() {
        return role.label() + " " + name + (name.equals(address.toString()) ? "" : " (" + address + ")");
    }
}

package io.mysqlproxy.core.topology;

/**
 * Whether the proxy lets writes through to the primary. Closed only when the evidence about which
 * server is the primary conflicts (see {@code PrimaryIdentification}); read on every write without
 * locks.
 */
public final class WriteGate {

    private volatile String refusal;

    /** Why writes are refused now, or null when they go through. */
    public String refusal() {
        return refusal;
    }

    public boolean open() {
        return refusal == null;
    }

    /** Refuses writes for {@code reason} (null opens the gate); returns whether that changed anything. */
    public synchronized boolean set(String reason) {
        boolean changed = reason == null ? refusal != null : !reason.equals(refusal);
        refusal = reason;
        return changed;
    }
}

package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.ProxyConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Consecutive failed logins per client address, as MySQL's {@code max_connect_errors} and the
 * connection_control plugin: past a threshold every login from the address is answered late, and
 * past {@code max-connect-errors} the address is blocked for a while. Thread-safe (every event loop
 * logs clients in); one lock, held for map operations only. Bounded: the address unused longest is
 * forgotten when a new one would exceed {@code maxTrackedHosts}.
 */
public final class FailedLogins {

    /** An address's consecutive failures, and until when (nanoTime) it is blocked; 0: not blocked. */
    private static final class Entry {
        int failures;
        long lastFailure;
        long blockedUntil;
    }

    private final ProxyConfig.FailedLogins settings;
    private final LongSupplier nanoClock;
    private final Map<String, Entry> hosts;
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong blocks = new AtomicLong();

    public FailedLogins(ProxyConfig.FailedLogins settings) {
        this(settings, System::nanoTime);
    }

    FailedLogins(ProxyConfig.FailedLogins settings, LongSupplier nanoClock) {
        this.settings = settings;
        this.nanoClock = nanoClock;
        // Access order: every look-up refreshes an address, so the one unused longest goes first.
        this.hosts = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > settings.maxTrackedHosts();
            }
        };
    }

    /** Whether logins from {@code host} are refused now (error 1129). */
    public synchronized boolean blocked(String host) {
        Entry entry = current(host);
        return entry != null && entry.blockedUntil != 0;
    }

    /**
     * How late to answer a login from {@code host} that has just been checked, whatever its outcome
     * (so that the wait says nothing about the password): zero below the threshold, then the
     * configured delay doubling per further failure, up to the cap.
     */
    public synchronized Duration delay(String host) {
        Entry entry = current(host);
        int over = entry == null ? -1 : entry.failures - settings.delayAfter();
        if (over < 0 || settings.delay().isZero()) {
            return Duration.ZERO;
        }
        Duration delay = settings.delay().multipliedBy(1L << Math.min(over, 30));
        return delay.compareTo(settings.maxDelay()) > 0 ? settings.maxDelay() : delay;
    }

    /** A login from {@code host} failed; returns true when this failure blocks the address. */
    public synchronized boolean failed(String host) {
        failed.incrementAndGet();
        Entry entry = current(host);
        if (entry == null) {
            entry = new Entry();
            hosts.put(host, entry);
        }
        entry.failures++;
        entry.lastFailure = nanoClock.getAsLong();
        if (entry.blockedUntil == 0 && entry.failures >= settings.maxConnectErrors()) {
            entry.blockedUntil = entry.lastFailure + settings.hostBlockTime().toNanos();
            if (entry.blockedUntil == 0) {
                entry.blockedUntil = 1; // 0 means "not blocked"
            }
            blocks.incrementAndGet();
            return true;
        }
        return false;
    }

    /** A login from {@code host} succeeded: its count starts again. */
    public synchronized void succeeded(String host) {
        hosts.remove(host);
    }

    /** Forgets {@code host}'s failures and lifts its block; returns whether it was blocked. */
    public synchronized boolean unblock(String host) {
        Entry entry = hosts.remove(host);
        return entry != null && entry.blockedUntil != 0 && nanoClock.getAsLong() - entry.blockedUntil < 0;
    }

    /** Forgets every address's failures; returns how many addresses were blocked. */
    public synchronized int unblockAll() {
        int blocked = blockedHosts();
        hosts.clear();
        return blocked;
    }

    /** Addresses blocked now. */
    public synchronized int blockedHosts() {
        return blockedList().size();
    }

    /** The addresses blocked now. */
    public synchronized List<String> blockedList() {
        long now = nanoClock.getAsLong();
        List<String> blocked = new ArrayList<>();
        for (Map.Entry<String, Entry> e : hosts.entrySet()) {
            long until = e.getValue().blockedUntil;
            if (until != 0 && now - until < 0) {
                blocked.add(e.getKey());
            }
        }
        return blocked;
    }

    /** Addresses remembered (with failures counted), at most {@code maxTrackedHosts}. */
    public synchronized int trackedHosts() {
        return hosts.size();
    }

    /** Failed logins counted since start. */
    public long failedLogins() {
        return failed.get();
    }

    /** Addresses blocked since start (an address blocked twice counts twice). */
    public long blocks() {
        return blocks.get();
    }

    /**
     * {@code host}'s entry, or null once it has expired: a block after host-block-time, a count
     * after host-block-time without a failure (both start again from zero).
     */
    private Entry current(String host) {
        Entry entry = hosts.get(host);
        if (entry == null) {
            return null;
        }
        long now = nanoClock.getAsLong();
        boolean blockOver = entry.blockedUntil != 0 && now - entry.blockedUntil >= 0;
        boolean stale = entry.blockedUntil == 0
                && now - entry.lastFailure >= settings.hostBlockTime().toNanos();
        if (blockOver || stale) {
            hosts.remove(host);
            return null;
        }
        return entry;
    }
}

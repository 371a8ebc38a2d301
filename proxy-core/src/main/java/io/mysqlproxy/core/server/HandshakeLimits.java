package io.mysqlproxy.core.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.mysqlproxy.core.config.ProxyConfig;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Places for connections still in the handshake (not yet authenticated), in all and per client
 * address, so that clients nobody has authenticated cannot hold more than a bounded share of the
 * proxy. A place is given back once, when authentication succeeds or the connection closes.
 */
final class HandshakeLimits {

    /** A connection's place; giving it back twice is harmless. */
    interface Place {
        void release();
    }

    /** Why a connection got no place. */
    enum Refusal {
        TOTAL,
        ADDRESS
    }

    private final Supplier<ProxyConfig.BeforeLogin> limits;
    private final AtomicInteger inHandshake = new AtomicInteger();
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
    private final Counter refusedTotal;
    private final Counter refusedAddress;

    HandshakeLimits(Supplier<ProxyConfig.BeforeLogin> limits, MeterRegistry registry) {
        this.limits = limits;
        Gauge.builder("mysqlproxy_handshakes_in_progress", inHandshake, AtomicInteger::get)
                .description("Client connections in the handshake, not yet authenticated")
                .register(registry);
        refusedTotal = refusedCounter(registry, "total");
        refusedAddress = refusedCounter(registry, "address");
    }

    private static Counter refusedCounter(MeterRegistry registry, String limit) {
        return Counter.builder("mysqlproxy_handshakes_refused")
                .description("Client connections refused (1040) because too many were in the handshake")
                .tag("limit", limit)
                .register(registry);
    }

    /** A place for a new connection from {@code address}, or why there is none (then counted). */
    Admission admit(String address) {
        ProxyConfig.BeforeLogin now = limits.get();
        if (inHandshake.incrementAndGet() > now.maxHandshakes()) {
            inHandshake.decrementAndGet();
            refusedTotal.increment();
            return new Admission(null, Refusal.TOTAL);
        }
        boolean[] admitted = {false};
        perAddress.compute(address, (key, count) -> {
            int held = count == null ? 0 : count;
            if (held >= now.maxHandshakesPerAddress()) {
                return count;
            }
            admitted[0] = true;
            return held + 1;
        });
        if (!admitted[0]) {
            inHandshake.decrementAndGet();
            refusedAddress.increment();
            return new Admission(null, Refusal.ADDRESS);
        }
        AtomicBoolean released = new AtomicBoolean();
        return new Admission(
                () -> {
                    if (released.compareAndSet(false, true)) {
                        perAddress.computeIfPresent(address, (key, count) -> count > 1 ? count - 1 : null);
                        inHandshake.decrementAndGet();
                    }
                },
                null);
    }

    int inHandshake() {
        return inHandshake.get();
    }

    int inHandshake(String address) {
        return perAddress.getOrDefault(address, 0);
    }

    /** Either a place or the reason for none. */
    record Admission(Place place, Refusal refusal) {
        boolean admitted() {
            return place != null;
        }
    }
}

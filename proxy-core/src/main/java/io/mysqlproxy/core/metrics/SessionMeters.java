package io.mysqlproxy.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The client sessions and what keeps them on their backend connections: {@code mysqlproxy_client_sessions}
 * (sessions past their login), {@code mysqlproxy_session_pins_total{reason}} (a session gained a hold
 * reason it did not have) and {@code mysqlproxy_sessions_pinned{reason}} (sessions held by it now). The
 * reasons are the session layer's labels, a fixed set, handed over as strings so that the metrics need not
 * know the session.
 */
public final class SessionMeters {

    private final MeterRegistry registry;
    private final ConcurrentMap<String, ReasonMeters> byReason = new ConcurrentHashMap<>();

    SessionMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers the gauge of live client sessions, read from {@code live} at scrape time. */
    public void clientSessions(IntSupplier live) {
        Gauge.builder("mysqlproxy_client_sessions", live, s -> s.getAsInt())
                .description("Client sessions past their login (the multiplexing ratio's denominator)")
                // The supplier is often a method reference no one else holds: a weak one would read NaN after a GC.
                .strongReference(true)
                .register(registry);
    }

    /** Creates the meters of every reason now, so that each series exists (at 0) before its first pin. */
    public void holdReasons(List<String> reasons) {
        reasons.forEach(this::meters);
    }

    /** A session gained {@code reason}: counted once, and the session joins the reason's gauge. */
    public void gained(String reason) {
        ReasonMeters meters = meters(reason);
        meters.pins.increment();
        meters.pinned.incrementAndGet();
    }

    /** A session is no longer held for {@code reason} (released, reset, changed user or ended). */
    public void released(String reason) {
        meters(reason).pinned.decrementAndGet();
    }

    /** How many times sessions gained {@code reason}. */
    public long pins(String reason) {
        return (long) meters(reason).pins.count();
    }

    /** Sessions held by {@code reason} now. */
    public int pinned(String reason) {
        return meters(reason).pinned.get();
    }

    private ReasonMeters meters(String reason) {
        ReasonMeters meters = byReason.get(reason);
        return meters != null ? meters : byReason.computeIfAbsent(reason, ReasonMeters::new);
    }

    private final class ReasonMeters {
        private final Counter pins;
        private final AtomicInteger pinned = new AtomicInteger();

        ReasonMeters(String reason) {
            pins = Counter.builder("mysqlproxy_session_pins")
                    .description("Sessions that gained a reason to keep their backend connections, by reason")
                    .tag("reason", reason)
                    .register(registry);
            Gauge.builder("mysqlproxy_sessions_pinned", pinned, AtomicInteger::get)
                    .description("Sessions kept on their backend connections now, by reason")
                    .tag("reason", reason)
                    .register(registry);
        }
    }
}

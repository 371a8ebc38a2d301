package io.mysqlproxy.core.admin;

import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Ready while the proxy accepts clients and the primary greets: one greeting read per check,
 * remembered for a second so that frequent probes do not become a connection storm on the primary.
 */
public final class PrimaryReadiness implements Readiness {

    private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final BackendConnector connector;
    private final EventLoopGroup loops;
    private final HostPort primary;
    private final Duration timeout;
    private final BooleanSupplier accepting;
    private volatile State last = new State(false, "not checked yet");
    private volatile long checkedAt = System.nanoTime() - 2 * CACHE_NANOS;

    public PrimaryReadiness(
            BackendConnector connector,
            EventLoopGroup loops,
            HostPort primary,
            Duration timeout,
            BooleanSupplier accepting) {
        this.connector = connector;
        this.loops = loops;
        this.primary = primary;
        this.timeout = timeout;
        this.accepting = accepting;
    }

    @Override
    public synchronized State check() {
        if (!accepting.getAsBoolean()) {
            return new State(false, "not accepting clients");
        }
        if (System.nanoTime() - checkedAt < CACHE_NANOS) {
            return last;
        }
        Future<HandshakeV10> greeting = connector.readGreeting(loops.next(), primary);
        State state;
        if (!greeting.awaitUninterruptibly(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            state = new State(false, "primary " + primary + " did not greet within " + timeout.toMillis() + " ms");
        } else if (greeting.isSuccess()) {
            state = new State(
                    true, "primary " + primary + " is " + greeting.getNow().serverVersion());
        } else {
            state = new State(
                    false,
                    "primary " + primary + " unreachable: " + greeting.cause().getMessage());
        }
        last = state;
        checkedAt = System.nanoTime();
        return state;
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendState;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Bounded waits for what the proxy does in the background (health checks, discovery, reloads). */
final class Awaits {

    private Awaits() {
    }

    /** Polls {@code condition} until it holds; fails saying {@code what} after {@code within}. */
    static void until(BooleanSupplier condition, Duration within, String what) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail(what + ": not within " + within.toMillis() + " ms");
            }
            Thread.sleep(20);
        }
    }

    /** Waits for {@code backend} to reach {@code state} in {@code proxy}'s topology. */
    static void state(ProxyFixture proxy, Backend backend, BackendState state, Duration within)
            throws InterruptedException {
        until(() -> proxy.state(backend) == state, within, backend + " is " + proxy.state(backend) + ", not " + state);
    }
}

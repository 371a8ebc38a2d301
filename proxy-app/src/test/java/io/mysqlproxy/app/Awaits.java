package io.mysqlproxy.app;

import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendState;
import org.awaitility.core.ConditionFactory;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

/**
 * Named waits on top of Awaitility, the one way these tests wait for what the proxy does in the
 * background (health checks, discovery, reloads, idle returns). Plus {@link #pace}, the one place a
 * test lets time pass on purpose.
 */
final class Awaits {

    /** Polling of the proxy's in-memory state: cheap, so often. */
    static final Duration POLL = Duration.ofMillis(20);

    private Awaits() {}

    /**
     * A wait for {@code what}, at most {@code within}, polled every {@link #POLL} from at once. An
     * exception thrown by another thread (the proxy's own, a client's) is that thread's business, as
     * it was before Awaitility, not a failure of the wait.
     */
    static ConditionFactory within(Duration within, String what) {
        return await(what)
                .atMost(within)
                .pollDelay(Duration.ZERO)
                .pollInterval(POLL)
                .dontCatchUncaughtExceptions();
    }

    /** Waits for {@code backend} to reach {@code state} in {@code proxy}'s topology. */
    static void state(ProxyFixture proxy, Backend backend, BackendState state, Duration within) {
        within(within, backend + " reaches " + state).until(() -> proxy.state(backend), is(state));
    }

    /**
     * Lets {@code period} pass on purpose: not a wait for a condition, but the scenario's own pace
     * (a window in which something must not happen, a slow client, a session left idle past a
     * deadline). {@code why} says which, for the reader.
     */
    static void pace(Duration period, String why) throws InterruptedException {
        Thread.sleep(period.toMillis()); // a pace, not a condition wait: see the javadoc
    }
}

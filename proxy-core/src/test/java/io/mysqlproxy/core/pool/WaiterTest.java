package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.EmbeddedBackends;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which returned connection a waiter can take as it is: same loop and key, and a schema it can use. */
class WaiterTest {

    private final BackendConnection onMuxA = EmbeddedBackends.connection("primary:3306", 1, login("mux_a"), true);

    @AfterEach
    void close() {
        ((EmbeddedChannel) onMuxA.channel()).finishAndReleaseAll();
    }

    @Test
    void aWaiterWithoutASchemaCannotTakeAConnectionOnOne() {
        onMuxA.schema("mux_a");
        EventLoop loop = onMuxA.channel().eventLoop();
        PoolKey key = PoolKey.of(onMuxA.login());

        assertFalse(waiter(loop, login(null), true).canTake(loop, key, onMuxA), "it cannot unselect mux_a");
        assertTrue(waiter(loop, login("mux_a"), false).canTake(loop, key, onMuxA));
        assertFalse(waiter(loop, login("mux_b"), false).canTake(loop, key, onMuxA), "a login checks its schema");
        assertTrue(waiter(loop, login("mux_b"), true).canTake(loop, key, onMuxA), "a session selects mux_b");
    }

    @Test
    void aWaiterServedBeforeItStarvesLeavesNoStarvationCheckScheduled() {
        EmbeddedChannel channel = (EmbeddedChannel) onMuxA.channel();
        EventLoop loop = channel.eventLoop();
        Duration borrowTimeout = Duration.ofHours(1);
        Waiter waiter = waiter(loop, login("mux_a"), false);
        assertEquals(-1, channel.runScheduledPendingTasks(), "nothing scheduled but what this test schedules");
        waiter.timeout(loop.schedule(() -> {}, borrowTimeout.toNanos(), TimeUnit.NANOSECONDS));

        assertFalse(waiter.starving(borrowTimeout, () -> {}));
        long untilCheck = channel.runScheduledPendingTasks();
        assertTrue(untilCheck > 0 && untilCheck <= borrowTimeout.toNanos() / 4, "the check in a quarter hour");

        waiter.cancelTimeout();
        assertEquals(-1, channel.runScheduledPendingTasks(), "timer and check cancelled");
        assertFalse(waiter.starving(borrowTimeout, () -> {}));
        assertEquals(-1, channel.runScheduledPendingTasks(), "no check for a waiter already served");
    }

    private static Waiter waiter(EventLoop loop, BackendLogin login, boolean anySchema) {
        return new Waiter(loop, login, PoolKey.of(login), anySchema, IdlePreference.CLEAN_FIRST, loop.newPromise());
    }

    private static BackendLogin login(String schema) {
        return new BackendLogin(
                "app", "pw", AuthPlugin.MYSQL_NATIVE_PASSWORD, Capability.PROTOCOL_41.mask(), 0, 45, schema, null);
    }
}

package io.mysqlproxy.core.pool;

import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.metrics.ProxyMetrics;
import io.mysqlproxy.core.route.RouteReason;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.BackendRole;
import io.mysqlproxy.core.topology.Topology;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The proxy-wide bound on statements waiting for the primary, their deadline, and their wake-ups. */
class PrimaryOutageBufferTest {

    private final Backend primary = new Backend(HostPort.parse("127.0.0.1:3306"), BackendRole.PRIMARY, "p");
    private final ProxyMetrics metrics = new ProxyMetrics(
            () -> Topology.of(primary, List.of()),
            new AtomicInteger(),
            RouteReason.class,
            RouteReason::label,
            List.of());
    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final PrimaryOutageBuffer buffer =
            new PrimaryOutageBuffer(() -> new ProxyConfig.OutageBuffer(Duration.ofSeconds(1), 2), metrics);
    private final List<String> events = new ArrayList<>();

    @AfterEach
    void close() {
        loop.finishAndReleaseAll();
        metrics.close();
    }

    private PrimaryOutageBuffer.Waiter recording(String name) {
        return new PrimaryOutageBuffer.Waiter() {
            @Override
            public void retry() {
                events.add(name + " retry");
            }

            @Override
            public void expired() {
                events.add(name + " expired");
            }
        };
    }

    private long stat(String name) {
        return metrics.stats().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow()
                .value();
    }

    @Test
    void beyondMaxWaitingAStatementIsRejectedAtOnceAndAFreedPlaceIsTakenAgain() {
        PrimaryOutageBuffer.Wait first = buffer.admit(loop.eventLoop(), recording("a"));
        PrimaryOutageBuffer.Wait second = buffer.admit(loop.eventLoop(), recording("b"));
        assertNotNull(first);
        assertNotNull(second);
        assertNull(buffer.admit(loop.eventLoop(), recording("c")), "two wait already");
        assertEquals(1, stat("primary_buffer_waits.rejected"));
        assertEquals(2, stat("primary_buffered_statements"));

        first.end(PrimaryOutageBuffer.Outcome.RESUMED);
        first.end(PrimaryOutageBuffer.Outcome.ABANDONED);
        assertEquals(1, buffer.waiting(), "ending twice frees one place");
        assertEquals(1, stat("primary_buffer_waits.resumed"));
        assertEquals(0, stat("primary_buffer_waits.abandoned"), "the first outcome counts");
        assertNotNull(buffer.admit(loop.eventLoop(), recording("d")));
    }

    @Test
    void aParkedStatementRetriesOnItsOwnAndWhenThePrimaryMayBeBack() {
        loop.freezeTime();
        PrimaryOutageBuffer.Wait wait = buffer.admit(loop.eventLoop(), recording("a"));
        assertTrue(wait.park());
        loop.advanceTimeBy(PrimaryOutageBuffer.RETRY_NANOS, TimeUnit.NANOSECONDS);
        loop.runScheduledPendingTasks();
        assertEquals(List.of("a retry"), events);

        assertTrue(wait.park());
        buffer.primaryMaybeBack();
        loop.runPendingTasks();
        assertEquals(List.of("a retry", "a retry"), events, "woken by the health monitor's news");
        loop.advanceTimeBy(PrimaryOutageBuffer.RETRY_NANOS, TimeUnit.NANOSECONDS);
        loop.runScheduledPendingTasks();
        assertEquals(2, events.size(), "not parked: no retry of its own");
    }

    @Test
    void theDeadlineExpiresAParkedStatementAndRefusesTheNextPark() {
        loop.freezeTime();
        PrimaryOutageBuffer.Wait[] parked = new PrimaryOutageBuffer.Wait[1];
        parked[0] = buffer.admit(loop.eventLoop(), new PrimaryOutageBuffer.Waiter() {
            @Override
            public void retry() {
                events.add("a retry");
                // The primary is still away: park again, as a session does.
                parked[0].park();
            }

            @Override
            public void expired() {
                events.add("a expired");
            }
        });
        PrimaryOutageBuffer.Wait trying = buffer.admit(loop.eventLoop(), recording("b"));
        assertTrue(parked[0].park());
        for (int i = 0; i < 4; i++) {
            loop.advanceTimeBy(PrimaryOutageBuffer.RETRY_NANOS, TimeUnit.NANOSECONDS);
            loop.runScheduledPendingTasks();
        }
        assertEquals(List.of("a retry", "a retry", "a retry", "a expired"), events);
        assertFalse(events.contains("b expired"), "one trying again hears it from its next park");
        assertFalse(trying.park());
        assertFalse(parked[0].park());
    }
}

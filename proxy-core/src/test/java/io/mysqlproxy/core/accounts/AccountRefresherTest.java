package io.mysqlproxy.core.accounts;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.health.HealthSettings;
import io.mysqlproxy.core.metrics.AccountMeters;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reads that fail: counted, no accounts made up, the listener not called. The reads themselves: ServerAccountsIT. */
class AccountRefresherTest {

    @Test
    void aPrimaryThatCannotBeReachedLeavesNoAccountsAndCountsEachFailedRead() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HealthSettings monitor = new HealthSettings(
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                1,
                1,
                "monitor",
                "m",
                false,
                Optional.empty(),
                Map.of("sslMode", "DISABLED"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicInteger heard = new AtomicInteger();
        try (AccountRefresher refresher = AccountRefresher.start(
                monitor,
                () -> new HostPort("127.0.0.1", closedPort),
                new AccountMeters(registry),
                (all, changed) -> heard.incrementAndGet(),
                Duration.ofMillis(100),
                Duration.ofMillis(10))) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> registry.get("mysqlproxy_account_refresh_failures")
                                    .counter()
                                    .count()
                            >= 3);
            assertEquals(0, refresher.current().size());
            assertEquals(
                    0.0, registry.get("mysqlproxy_account_refreshes").counter().count());
            assertEquals(0, heard.get());
        }
    }
}

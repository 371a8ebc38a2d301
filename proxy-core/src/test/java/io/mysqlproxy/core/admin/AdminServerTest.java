package io.mysqlproxy.core.admin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real admin server on loopback: /backends asks for the bearer token, the probes and /metrics never do. */
class AdminServerTest {

    private static final String TOKEN = "s3cret-admin-token-0123";
    private static final String BACKENDS = "{\"backends\":[]}";
    private static final String SESSIONS = "{\"sessions\":[]}";

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger documentsRendered = new AtomicInteger();

    private AdminServer start(Optional<String> token) throws IOException {
        return start(token, () -> {
            documentsRendered.incrementAndGet();
            return SESSIONS;
        });
    }

    private AdminServer start(Optional<String> token, Supplier<String> sessions) throws IOException {
        return AdminServer.start(
                "127.0.0.1",
                0,
                token,
                () -> new Readiness.State(true, true, true, "test"),
                () -> {
                    documentsRendered.incrementAndGet();
                    return BACKENDS;
                },
                sessions,
                () -> "mysqlproxy_up 1\n");
    }

    private HttpResponse<String> get(AdminServer server, String path, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void whileOneSessionsRequestGathersAnotherGets429AndTheProbesStillAnswer() throws Exception {
        CountDownLatch gathering = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        try (AdminServer server = start(Optional.empty(), () -> {
            gathering.countDown();
            try {
                // Bounded, as the sessions' own wait is: the test fails rather than hangs.
                answer.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return SESSIONS;
        })) {
            CompletableFuture<HttpResponse<String>> first = http.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/sessions"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(gathering.await(10, TimeUnit.SECONDS), "the first request is being answered");

            HttpResponse<String> second = get(server, "/sessions", null);
            assertEquals(429, second.statusCode());
            assertTrue(second.body().startsWith("{\"error\":"), second.body());
            assertEquals(200, get(server, "/healthz", null).statusCode(), "a probe is not starved");
            assertEquals(200, get(server, "/readyz", null).statusCode());

            answer.countDown();
            assertEquals(SESSIONS, first.get(10, TimeUnit.SECONDS).body());
            assertEquals(200, get(server, "/sessions", null).statusCode(), "free again once answered");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/backends", "/sessions"})
    void documentsAnswer401WithoutTheRightToken(String path) throws Exception {
        String document = path.equals("/backends") ? BACKENDS : SESSIONS;
        try (AdminServer server = start(Optional.of(TOKEN))) {
            for (String wrong : new String[] {
                null,
                "Bearer",
                "Bearer ",
                "Bearer wrong-token-0123456",
                "Bearer " + TOKEN + "x",
                "Bearer " + TOKEN.substring(1),
                "Basic " + TOKEN,
                TOKEN
            }) {
                HttpResponse<String> refused = get(server, path, wrong);
                assertEquals(401, refused.statusCode(), "Authorization: " + wrong);
                assertEquals(
                        "Bearer realm=\"mysql-proxy\"",
                        refused.headers().firstValue("WWW-Authenticate").orElse(""),
                        "Authorization: " + wrong);
                assertEquals("", refused.body());
            }
            assertEquals(0, documentsRendered.get(), "nothing is rendered for a refused request");

            HttpResponse<String> allowed = get(server, path, "Bearer " + TOKEN);
            assertEquals(200, allowed.statusCode());
            assertEquals(document, allowed.body());
            assertEquals(200, get(server, path, "bearer " + TOKEN).statusCode(), "the scheme is case-blind");
        }
    }

    @Test
    void probesAndMetricsNeedNoToken() throws Exception {
        try (AdminServer server = start(Optional.of(TOKEN))) {
            assertEquals(200, get(server, "/healthz", null).statusCode());
            assertEquals(200, get(server, "/readyz", null).statusCode());
            HttpResponse<String> metrics = get(server, "/metrics", null);
            assertEquals(200, metrics.statusCode());
            assertEquals("mysqlproxy_up 1\n", metrics.body());
            assertFalse(metrics.headers().firstValue("WWW-Authenticate").isPresent());
        }
    }

    @Test
    void withoutATokenBackendsIsOpen() throws Exception {
        try (AdminServer server = start(Optional.empty())) {
            HttpResponse<String> open = get(server, "/backends", null);
            assertEquals(200, open.statusCode());
            assertEquals(BACKENDS, open.body());
            assertEquals(SESSIONS, get(server, "/sessions", null).body());
        }
    }
}

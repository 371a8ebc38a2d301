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
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The real admin server on loopback: /backends asks for the bearer token, the probes and /metrics never do. */
class AdminServerTest {

    private static final String TOKEN = "s3cret-admin-token-0123";
    private static final String BACKENDS = "{\"backends\":[]}";
    private static final String SESSIONS = "{\"sessions\":[]}";

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger documentsRendered = new AtomicInteger();

    private AdminServer start(Optional<String> token) throws IOException {
        return AdminServer.start(
                "127.0.0.1",
                0,
                token,
                () -> new Readiness.State(true, true, true, "test"),
                () -> {
                    documentsRendered.incrementAndGet();
                    return BACKENDS;
                },
                () -> {
                    documentsRendered.incrementAndGet();
                    return SESSIONS;
                },
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

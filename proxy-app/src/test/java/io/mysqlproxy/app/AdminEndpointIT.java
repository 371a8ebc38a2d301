package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /healthz and /readyz on the admin port, as Kubernetes probes them; /backends behind its token. */
@ExtendWith(TestBedExtension.class)
class AdminEndpointIT {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return get(port, path, HttpRequest.newBuilder());
    }

    private HttpResponse<String> get(int port, String path, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        return http.send(
                request.uri(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void backendsAnswers401WithoutTheConfiguredToken(ReplicatedTestBed bed) throws Exception {
        String token = "it-admin-token-0123456789";
        try (ProxyFixture proxy = ProxyFixture.start(bed, "mysql-proxy.admin.token = \"" + token + "\"")) {
            int admin = proxy.server().adminPort();
            HttpResponse<String> refused = get(admin, "/backends");
            assertEquals(401, refused.statusCode(), refused.body());
            assertTrue(
                    refused.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            assertEquals(
                    401,
                    get(admin, "/backends", HttpRequest.newBuilder().header("Authorization", "Bearer wrong"))
                            .statusCode());
            HttpResponse<String> allowed =
                    get(admin, "/backends", HttpRequest.newBuilder().header("Authorization", "Bearer " + token));
            assertEquals(200, allowed.statusCode(), allowed.body());
            assertTrue(allowed.body().contains(":" + bed.primary().port() + "\""), allowed.body());
            // The probes and Prometheus need no token.
            assertEquals(200, get(admin, "/healthz").statusCode());
            assertEquals(200, get(admin, "/readyz").statusCode());
            assertEquals(200, get(admin, "/metrics").statusCode());
        }
    }

    @Test
    void healthyAndReadyInFrontOfALivePrimary(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed)) {
            int admin = proxy.server().adminPort();
            assertEquals(200, get(admin, "/healthz").statusCode());
            HttpResponse<String> ready = get(admin, "/readyz");
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().startsWith("{\"ready\":true,\"reads\":true,\"writes\":true,"), ready.body());
            assertEquals(
                    "application/json",
                    ready.headers().firstValue("Content-Type").orElse(""));
            assertEquals(404, get(admin, "/readyz/extra").statusCode());
        }
    }

    @Test
    void readyForReadsWhileThePrimaryIsUnreachable(ReplicatedTestBed bed) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (ProxyFixture proxy = ProxyFixture.start(
                bed,
                "mysql-proxy.backends.primary = \"127.0.0.1:" + closedPort
                        + "\"\nmysql-proxy.backends.connect-timeout = 1s")) {
            int admin = proxy.server().adminPort();
            assertEquals(200, get(admin, "/healthz").statusCode());
            // The replicas serve reads: an unreachable primary alone leaves the proxy ready, without writes.
            Awaits.within(Duration.ofSeconds(10), "/readyz says writes are not possible")
                    .until(() -> get(admin, "/readyz").body(), containsString("\"writes\":false"));
            HttpResponse<String> ready = get(admin, "/readyz");
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().startsWith("{\"ready\":true,\"reads\":true,\"writes\":false,"), ready.body());
        }
    }
}

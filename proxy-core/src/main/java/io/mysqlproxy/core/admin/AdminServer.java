package io.mysqlproxy.core.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The admin HTTP port, on the JDK's own HTTP server and two threads of its own (never an event
 * loop): {@code /healthz} (the process is alive), {@code /readyz} (it can serve: see
 * {@link Readiness}), for Kubernetes probes and for curl, {@code /backends} (JSON: each
 * backend's role, state, load, statements and pool, see {@link io.mysqlproxy.core.report.BackendsReport}) and
 * {@code /sessions} (JSON: each client session, its backend connections and what keeps it on them, see
 * {@link io.mysqlproxy.core.report.SessionsReport}). With a token configured, {@code /backends} and
 * {@code /sessions} (addresses, pods, users, why writes are refused) answer only
 * requests that carry it as a bearer token; the probes and {@code /metrics} stay open for the kubelet and
 * Prometheus.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private final Optional<byte[]> tokenDigest;

    private AdminServer(HttpServer server, ExecutorService executor, Optional<byte[]> tokenDigest) {
        this.server = server;
        this.executor = executor;
        this.tokenDigest = tokenDigest;
    }

    /**
     * Serves JSON at {@code path}, behind the token as {@code /backends} is: {@code body} gets the request's
     * query parameters ({@code ?limit=10&order=calls}) and may refuse them with an IllegalArgumentException,
     * answered 400 with its message.
     */
    public void serveJson(String path, Function<Map<String, String>, String> body) {
        server.createContext(path, exchange -> {
            if (tokenDigest.isPresent() && !carriesToken(exchange, tokenDigest.get())) {
                unauthorized(exchange);
                return;
            }
            String json;
            try {
                json = body.apply(queryParameters(exchange.getRequestURI().getRawQuery()));
            } catch (IllegalArgumentException e) {
                respond(exchange, 400, e.getMessage() + "\n");
                return;
            }
            respond(exchange, 200, json, "application/json");
        });
    }

    private static Map<String, String> queryParameters(String rawQuery) {
        Map<String, String> parameters = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            parameters.put(
                    URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return parameters;
    }

    public static AdminServer start(
            String host,
            int port,
            Optional<String> token,
            Readiness readiness,
            Supplier<String> backendsJson,
            Supplier<String> sessionsJson,
            Supplier<String> prometheusScrape)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "mysql-proxy-admin");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/healthz", exchange -> respond(exchange, 200, "ok\n"));
        Optional<byte[]> tokenDigest = token.map(AdminServer::sha256);
        guarded(server, "/backends", tokenDigest, backendsJson);
        guarded(server, "/sessions", tokenDigest, sessionsJson);
        server.createContext(
                "/metrics",
                exchange -> respond(exchange, 200, prometheusScrape.get(), "text/plain; version=0.0.4; charset=utf-8"));
        server.createContext("/readyz", exchange -> {
            Readiness.State state = readiness.check();
            respond(exchange, state.ready() ? 200 : 503, state.json(), "application/json");
        });
        server.start();
        log.info(
                "admin endpoint on http://{}:{}/ (/healthz, /readyz, /metrics, /backends and /sessions{})",
                host,
                server.getAddress().getPort(),
                token.isPresent() ? " with the bearer token" : "");
        return new AdminServer(server, executor, tokenDigest);
    }

    /** A JSON document that answers only requests with the token, when one is configured. */
    private static void guarded(HttpServer server, String path, Optional<byte[]> tokenDigest, Supplier<String> json) {
        server.createContext(path, exchange -> {
            if (tokenDigest.isPresent() && !carriesToken(exchange, tokenDigest.get())) {
                unauthorized(exchange);
                return;
            }
            respond(exchange, 200, json.get(), "application/json");
        });
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Whether the request's {@code Authorization: Bearer} credential is the token. Both sides are hashed
     * first, so the comparison takes the same time whatever the credential's length or content.
     */
    private static boolean carriesToken(HttpExchange exchange, byte[] tokenDigest) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String scheme = "bearer ";
        if (header == null
                || header.length() <= scheme.length()
                || !header.substring(0, scheme.length())
                        .toLowerCase(Locale.ROOT)
                        .equals(scheme)) {
            return false;
        }
        return MessageDigest.isEqual(
                tokenDigest, sha256(header.substring(scheme.length()).trim()));
    }

    private static void unauthorized(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"mysql-proxy\"");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(401, -1);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        respond(exchange, status, body, "text/plain; charset=utf-8");
    }

    private static void respond(HttpExchange exchange, int status, String body, String contentType) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            if (!exchange.getRequestURI()
                    .getPath()
                    .equals(exchange.getHttpContext().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(status, "HEAD".equals(exchange.getRequestMethod()) ? -1 : bytes.length);
            if (!"HEAD".equals(exchange.getRequestMethod())) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

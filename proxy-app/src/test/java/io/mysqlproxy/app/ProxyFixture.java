package io.mysqlproxy.app;

import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.server.ProxyServer;
import io.mysqlproxy.core.topology.Discovery;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.LoopbackPorts;
import io.mysqlproxy.testbed.ReplicatedTestBed;

import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One {@link ProxyServer}, in this JVM, in front of a {@link ReplicatedTestBed}: configured through
 * {@link TestBedProxyConfig} (the production loading path) on free loopback ports. Test classes get a shared
 * one through {@link ProxyExtension}; tests that need a fresh or differently configured proxy start their own
 * with {@link #start(ReplicatedTestBed, String)} in try-with-resources.
 */
public final class ProxyFixture implements AutoCloseable {

    /** JDBC properties of every URL unless a test overrides them: bounded waits, so a proxy bug fails, not hangs. */
    static final Map<String, String> DEFAULT_PROPERTIES = Map.of(
            "sslMode", "DISABLED",
            "allowPublicKeyRetrieval", "true",
            "connectTimeout", "30000",
            "socketTimeout", "60000");

    /**
     * The bed's {@code app} account checked with mysql_native_password, as MariaDB itself checks it.
     *
     * <p>Needed by every Connector/J test: the proxy greets clients with the primary's version, which for MariaDB
     * is {@code 5.5.5-10.x-MariaDB}; Connector/J takes that for MySQL 5.5.5, and for servers older than 5.5.16 it
     * passes auth-more-data packets to the auth plugin with their 0x01 status byte, so caching_sha2_password (the
     * test bed's default proxy-side plugin) fails with "Unknown server response after fast auth." See
     * {@code JdbcClientIT#cachingSha2PasswordWithThePrimarysVersionString}.
     */
    static final String NATIVE_PASSWORD_APP =
            "mysql-proxy.users = [ { name = app, password = app-secret, auth-plugin = mysql_native_password } ]";

    private static final int BIND_ATTEMPTS = 5;

    /**
     * Runs the suite's proxies with {@code backends.pool.multiplexing} set to this system property's value
     * ({@code -Dtestbed.multiplexing=transaction}), ahead of each test's own overrides; unset: the default.
     */
    static final String MULTIPLEXING_PROPERTY = "testbed.multiplexing";

    /** Whether this run's proxies multiplex at transaction boundaries ({@link #MULTIPLEXING_PROPERTY}). */
    static boolean multiplexingTransactions() {
        return "transaction"
                .equalsIgnoreCase(System.getProperty(MULTIPLEXING_PROPERTY, "").trim());
    }

    private static String multiplexing() {
        String mode = System.getProperty(MULTIPLEXING_PROPERTY, "").trim();
        return mode.isEmpty() ? "" : "mysql-proxy.backends.pool.multiplexing = " + mode + "\n";
    }

    private final ProxyServer server;

    private ProxyFixture(ProxyServer server) {
        this.server = server;
    }

    /** A proxy with the test bed's standard configuration. */
    public static ProxyFixture start(ReplicatedTestBed bed) {
        return start(bed, "");
    }

    /**
     * A proxy whose configuration is {@link TestBedProxyConfig#hocon} followed by {@code overrides} (HOCON; later
     * keys win), e.g. {@code mysql-proxy.client.max-connections = 3}.
     */
    public static ProxyFixture start(ReplicatedTestBed bed, String overrides) {
        return start(bed, overrides, ProxyServer::start);
    }

    /**
     * Like {@link #start(ReplicatedTestBed, String)}, with the replicas {@code discovery} reports instead of the
     * configured ones. The discovery may be started again if a port was taken (the failed start closed it).
     */
    public static ProxyFixture start(ReplicatedTestBed bed, String overrides, Discovery discovery) {
        return start(bed, overrides, config -> ProxyServer.start(config, discovery));
    }

    private interface Starter {
        ProxyServer start(ProxyConfig config) throws InterruptedException;
    }

    private static ProxyFixture start(ReplicatedTestBed bed, String overrides, Starter starter) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
            int port = freePort();
            int adminPort = freePort();
            ProxyConfig config = TestBedProxyConfig.load(bed, port, adminPort, multiplexing() + overrides);
            try {
                return new ProxyFixture(starter.start(config));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the proxy", e);
            } catch (Exception e) {
                // A port picked a moment ago may have been taken by another process: pick again.
                if (!isBindConflict(e)) {
                    throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
                }
                last = new IllegalStateException("port " + port + " was taken", e);
            }
        }
        throw last != null ? last : new IllegalStateException("no free port pair found");
    }

    /** The replica backend that is {@code server}. */
    public io.mysqlproxy.core.topology.Backend replica(io.mysqlproxy.testbed.TestBedServer server) {
        return server().runtime().topology().replicas().stream()
                .filter(b -> b.address().port() == server.port())
                .findFirst()
                .orElseThrow();
    }

    public ProxyServer server() {
        return server;
    }

    /** The state of {@code backend} in the current topology (draining once it has left). */
    public io.mysqlproxy.core.topology.BackendState state(io.mysqlproxy.core.topology.Backend backend) {
        return server.runtime().topology().state(backend);
    }

    /** Replication lag of {@code backend} at its last health check; -1 when unknown. */
    public long lagSeconds(io.mysqlproxy.core.topology.Backend backend) {
        var condition = server.runtime().topology().condition(backend);
        return condition == null ? -1 : condition.lagSeconds();
    }

    /** Client statements sent to {@code backend} (its pool's count). */
    public long statements(io.mysqlproxy.core.topology.Backend backend) {
        return server.runtime().pools().of(backend).load().statements();
    }

    /** The body of {@code path} on the admin HTTP port, which must answer 200. */
    public String admin(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError(path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    public int port() {
        return server.port();
    }

    /**
     * A Connector/J URL for the proxy and the bed's application schema. {@code properties} ("a=b&c=d", may be empty)
     * are added to, and override, {@link #DEFAULT_PROPERTIES}.
     */
    public String url(String properties) {
        return url(port(), ReplicatedTestBed.APP_DATABASE, properties);
    }

    /** A Connector/J URL for any server on 127.0.0.1, built like {@link #url(String)}. */
    public static String url(int port, String database, String properties) {
        Map<String, String> merged = new LinkedHashMap<>(new TreeMap<>(DEFAULT_PROPERTIES));
        if (!properties.isEmpty()) {
            for (String pair : properties.split("&")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("not key=value: '" + pair + "'");
                }
                merged.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return "jdbc:mysql://127.0.0.1:" + port + "/" + (database == null ? "" : database) + "?"
                + merged.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining("&"));
    }

    /** Connects through the proxy as the bed's {@code app} account. */
    public Connection connect(String properties) throws SQLException {
        return connect(DbAccount.APP.user(), DbAccount.APP.password(), properties);
    }

    public Connection connect(String user, String password, String properties) throws SQLException {
        return DriverManager.getConnection(url(properties), user, password);
    }

    /** Connects straight to the bed's primary as {@code app}, with the same property handling as {@link #url}. */
    public static Connection connectDirect(ReplicatedTestBed bed, String properties) throws SQLException {
        return DriverManager.getConnection(
                url(bed.primary().port(), ReplicatedTestBed.APP_DATABASE, properties),
                DbAccount.APP.user(),
                DbAccount.APP.password());
    }

    @Override
    public void close() {
        server.close();
    }

    @Override
    public String toString() {
        return "ProxyFixture[127.0.0.1:" + port() + "]";
    }

    /** A port that was free a moment ago (nothing stops another process from taking it since). */
    static int freePort() {
        return LoopbackPorts.free();
    }

    private static boolean isBindConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }
}

package io.mysqlproxy.bench;

import io.mysqlproxy.core.backend.BackendCapabilities;
import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendConnector;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.backend.ResponseSink;
import io.mysqlproxy.core.config.HostPort;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.server.Transport;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.StmtCommands;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The idle half of the connection-scale benchmark (bench/connection-scale.sh): opens N client
 * connections to a MySQL server or proxy, each logging in and running one {@code SELECT 1}, holds
 * them open for a while without a byte, then runs {@code SELECT 1} on every one again and closes
 * them. It speaks the protocol with the proxy's own client code on Netty, so 10,000 connections
 * cost a few threads here. Lines on stdout, for the script:
 *
 * <pre>
 * READY opened=N failed=F seconds=S        all connections are open and idle (or failed)
 * DONE answered=A errors=E dropped=D       after the hold: statements answered, failed, and
 *                                          connections the server closed while they were idle
 * </pre>
 *
 * <p>Usage: {@code IdleClients --port P [--host 127.0.0.1] [--user app] [--password app-secret]
 * [--database app] [--auth-plugin mysql_native_password] [--connections 10000] [--concurrency 200]
 * [--hold 60s]}. Only loopback hosts. {@code --auth-plugin} is the plugin the target asks {@code --user} for
 * (the demo's proxy on MariaDB: mysql_native_password; on MySQL: caching_sha2_password); on loopback the
 * target's RSA key may be fetched for caching_sha2_password's full authentication.
 */
public final class IdleClients {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int CAPABILITIES = Capability.maskOf(
                    Capability.LONG_PASSWORD,
                    Capability.LONG_FLAG,
                    Capability.CONNECT_WITH_DB,
                    Capability.TRANSACTIONS,
                    Capability.MULTI_RESULTS,
                    Capability.PS_MULTI_RESULTS,
                    Capability.DEPRECATE_EOF)
            | BackendCapabilities.REQUIRED;
    private static final int UTF8MB4_GENERAL_CI = 45;

    private final AtomicInteger dropped = new AtomicInteger();
    private final List<Client> clients = new ArrayList<>();

    /** One idle client: its connection, and whether it is in the middle of a statement. */
    private final class Client implements ResponseSink {
        private final BackendConnection connection;
        private Promise<Boolean> answer;
        private boolean closing;

        Client(BackendConnection connection) {
            this.connection = connection;
            connection.attach(this);
        }

        /** Runs SELECT 1; the future says whether it was answered with a result (on the client's loop). */
        Future<Boolean> selectOne() {
            EventLoop loop = connection.channel().eventLoop();
            Promise<Boolean> promise = loop.newPromise();
            loop.execute(() -> {
                if (!connection.isActive()) {
                    promise.setSuccess(false);
                    return;
                }
                answer = promise;
                connection.beginCommand(CommandType.QUERY);
                connection.write(StmtCommands.query(connection.channel().alloc(), "SELECT 1"));
                connection.flush();
            });
            return promise;
        }

        void close() {
            closing = true;
            connection.close();
        }

        @Override
        public void forward(ByteBuf bytes, int lastSequenceId) {
            bytes.release();
        }

        @Override
        public void responseComplete(int status) {
            Promise<Boolean> promise = answer;
            answer = null;
            if (promise != null) {
                promise.trySuccess(!connection.lastResponseFailed());
            }
        }

        @Override
        public void localInfileRequested() {
            connection.close();
        }

        @Override
        public void backendFailed(String reason, Throwable cause) {
            if (!closing) {
                dropped.incrementAndGet();
            }
            Promise<Boolean> promise = answer;
            answer = null;
            if (promise != null) {
                promise.trySuccess(false);
            }
        }
    }

    private static AuthPlugin authPlugin(String name) {
        AuthPlugin plugin = AuthPlugin.byWireName(name);
        if (plugin == null || plugin == AuthPlugin.MYSQL_CLEAR_PASSWORD) {
            throw new IllegalArgumentException(
                    "--auth-plugin must be mysql_native_password or caching_sha2_password: " + name);
        }
        return plugin;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        String host = options.getOrDefault("host", "127.0.0.1");
        if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
            throw new IllegalArgumentException("only loopback targets: --host " + host);
        }
        HostPort target = new HostPort(host, Integer.parseInt(required(options, "port")));
        BackendLogin login = new BackendLogin(
                options.getOrDefault("user", "app"),
                options.getOrDefault("password", "app-secret"),
                authPlugin(options.getOrDefault("auth-plugin", "mysql_native_password")),
                CAPABILITIES,
                0,
                UTF8MB4_GENERAL_CI,
                options.getOrDefault("database", "app"),
                null);
        int connections = Integer.parseInt(options.getOrDefault("connections", "10000"));
        int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "200"));
        Duration hold =
                Duration.parse("PT" + options.getOrDefault("hold", "60s").toUpperCase());
        new IdleClients().run(target, login, connections, concurrency, hold, System.out);
    }

    private void run(
            HostPort target, BackendLogin login, int connections, int concurrency, Duration hold, PrintStream out)
            throws InterruptedException {
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(2);
        try {
            // Loopback only (checked in main): nobody sits on the path to swap the key the target sends.
            BackendConnector connector = new BackendConnector(
                    transport::clientChannel,
                    TIMEOUT,
                    TIMEOUT,
                    new ProxyConfig.PasswordExchange(true, Optional.empty()));
            long start = System.nanoTime();
            int failed = open(connector, group, target, login, connections, concurrency);
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("READY opened=%d failed=%d seconds=%.1f%n", clients.size(), failed, seconds);
            out.flush();
            Thread.sleep(hold.toMillis());
            int[] outcome = selectOnEveryOne(concurrency);
            out.printf("DONE answered=%d errors=%d dropped=%d%n", outcome[0], outcome[1], dropped.get());
            out.flush();
            for (Client client : clients) {
                client.close();
            }
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    /** Opens the connections, at most {@code concurrency} logins at a time; returns how many failed. */
    private int open(
            BackendConnector connector,
            EventLoopGroup group,
            HostPort target,
            BackendLogin login,
            int connections,
            int concurrency)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(concurrency);
        AtomicInteger failed = new AtomicInteger();
        AtomicLong lastReport = new AtomicLong(System.nanoTime());
        ConcurrentLinkedQueue<Client> opened = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < connections; i++) {
            inFlight.acquire();
            EventLoop loop = group.next();
            loop.execute(() -> connector.connect(loop, target, login).addListener(f -> {
                if (!f.isSuccess()) {
                    failed.incrementAndGet();
                    if (errors.size() < 5) {
                        errors.add(String.valueOf(f.cause()));
                    }
                    inFlight.release();
                    return;
                }
                Client client = new Client((BackendConnection) f.getNow());
                client.selectOne().addListener(answered -> {
                    if (Boolean.TRUE.equals(answered.getNow())) {
                        opened.add(client);
                    } else {
                        failed.incrementAndGet();
                        client.close();
                    }
                    inFlight.release();
                });
            }));
            long now = System.nanoTime();
            long last = lastReport.get();
            if (now - last > TimeUnit.SECONDS.toNanos(1) && lastReport.compareAndSet(last, now)) {
                System.err.printf("idle clients: %d of %d started, %d failed%n", i + 1, connections, failed.get());
            }
        }
        inFlight.acquire(concurrency);
        clients.addAll(opened);
        for (String error : errors) {
            System.err.println("idle clients: a login failed: " + error);
        }
        return failed.get();
    }

    /** SELECT 1 on every open client, {@code concurrency} at a time: {answered, errors}. */
    private int[] selectOnEveryOne(int concurrency) throws InterruptedException {
        Semaphore inFlight = new Semaphore(concurrency);
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        for (Client client : clients) {
            inFlight.acquire();
            client.selectOne().addListener(f -> {
                if (Boolean.TRUE.equals(f.getNow())) {
                    answered.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                }
                inFlight.release();
            });
        }
        if (!inFlight.tryAcquire(concurrency, TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            errors.addAndGet(clients.size() - answered.get() - errors.get());
        }
        return new int[] {answered.get(), errors.get()};
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }
}

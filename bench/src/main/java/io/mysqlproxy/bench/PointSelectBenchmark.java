package io.mysqlproxy.bench;

import io.mysqlproxy.app.TestBedProxyConfig;
import io.mysqlproxy.core.server.ProxyServer;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * End to end: a point select by primary key over JDBC (server-side prepared statement), straight to
 * the test bed's primary and through mysql-proxy in the same fork, so that the two figures come
 * from the same machine state. Through the proxy the select is a read and goes to a replica. The
 * fork starts its own test bed (a MariaDB primary and two GTID replicas) and proxy, about 30 s.
 * Run it with several thread counts: {@code bench/jmh.sh PointSelectBenchmark -t 1} and {@code -t 8}.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PointSelectBenchmark {

    private static final int ROWS = 10_000;
    private static final String SELECT = "SELECT c FROM point_select WHERE id = ?";
    private static final String JDBC_OPTIONS = "?useServerPrepStmts=true&cachePrepStmts=true&sslMode=DISABLED"
            + "&allowPublicKeyRetrieval=true&socketTimeout=60000";

    private ReplicatedTestBed bed;
    private ProxyServer proxy;

    @Setup(Level.Trial)
    public void start() throws Exception {
        bed = ReplicatedTestBed.start();
        try (Connection c = connect(bed.primary().port());
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS point_select");
            s.execute("CREATE TABLE point_select (id INT PRIMARY KEY, c CHAR(120) NOT NULL)");
            StringBuilder insert = new StringBuilder("INSERT INTO point_select VALUES ");
            for (int id = 1; id <= ROWS; id++) {
                insert.append(id == 1 ? "" : ",")
                        .append('(')
                        .append(id)
                        .append(",'row ")
                        .append(id)
                        .append("')");
            }
            s.execute(insert.toString());
        }
        bed.awaitReplication();
        // Connector/J takes MariaDB's 5.5.5-10.x version string for MySQL 5.5 and then cannot do
        // caching_sha2_password's fast path: check the app account with mysql_native_password.
        proxy = ProxyServer.start(TestBedProxyConfig.load(
                bed,
                freePort(),
                freePort(),
                "mysql-proxy.users = [ { name = app, password = app-secret, auth-plugin = mysql_native_password } ]"));
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    /** One client's two connections and their prepared selects. */
    @State(Scope.Thread)
    public static class Client {
        private Connection direct;
        private Connection proxied;
        private PreparedStatement directSelect;
        private PreparedStatement proxiedSelect;

        @Setup(Level.Trial)
        public void open(PointSelectBenchmark benchmark) throws SQLException {
            direct = connect(benchmark.bed.primary().port());
            proxied = connect(benchmark.proxy.port());
            directSelect = direct.prepareStatement(SELECT);
            proxiedSelect = proxied.prepareStatement(SELECT);
        }

        @TearDown(Level.Trial)
        public void close() throws SQLException {
            direct.close();
            proxied.close();
        }
    }

    @Benchmark
    public String direct(Client client) throws SQLException {
        return select(client.directSelect);
    }

    @Benchmark
    public String throughProxy(Client client) throws SQLException {
        return select(client.proxiedSelect);
    }

    private static String select(PreparedStatement select) throws SQLException {
        select.setInt(1, ThreadLocalRandom.current().nextInt(1, ROWS + 1));
        try (ResultSet rows = select.executeQuery()) {
            if (!rows.next()) {
                throw new IllegalStateException("no row");
            }
            return rows.getString(1);
        }
    }

    private static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mysql://127.0.0.1:" + port + "/" + ReplicatedTestBed.APP_DATABASE + JDBC_OPTIONS,
                DbAccount.APP.user(),
                DbAccount.APP.password());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

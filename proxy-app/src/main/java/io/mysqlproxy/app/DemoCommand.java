package io.mysqlproxy.app;

import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.server.ProxyServer;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedServer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code demo}: a local primary and two GTID replicas (the same launcher the tests use), MariaDB or
 * with {@code --flavour mysql} Oracle MySQL 9.7, and the proxy in front of them on 127.0.0.1:6033.
 * Runs until interrupted; stops everything. {@code --config FILE} applies HOCON over the demo's
 * configuration (e.g. event-loop-threads).
 */
final class DemoCommand {

    static final int PORT = 6033;
    static final int ADMIN_PORT = 9090;

    static final String USAGE = "usage: mysql-proxy demo [--flavour mariadb|mysql] [--config FILE]"
            + "   (FILE: HOCON applied over the demo's configuration)";

    private DemoCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        String overrides = "";
        ServerFlavour flavour = ServerFlavour.current();
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length || !(args[i].equals("--config") || args[i].equals("--flavour"))) {
                err.println(USAGE);
                return Main.INVALID;
            }
            if (args[i].equals("--flavour")) {
                try {
                    flavour = ServerFlavour.parse(args[i + 1]);
                } catch (IllegalArgumentException e) {
                    err.println(e.getMessage());
                    return Main.INVALID;
                }
                continue;
            }
            try {
                overrides = Files.readString(Path.of(args[i + 1]));
            } catch (IOException e) {
                err.println("cannot read " + args[i + 1] + ": " + e.getMessage());
                return Main.INVALID;
            }
        }
        ReplicatedTestBed bed;
        try {
            bed = ReplicatedTestBed.start(flavour, ReplicatedTestBed.DEFAULT_REPLICAS);
        } catch (RuntimeException e) {
            err.println("could not start the local " + flavour.displayName() + " servers: " + e.getMessage());
            return Main.FAILED;
        }
        try {
            ProxyConfig config;
            try {
                config = TestBedProxyConfig.load(bed, PORT, ADMIN_PORT, overrides);
            } catch (InvalidConfigException e) {
                err.println("invalid configuration: " + e.getMessage());
                bed.close();
                return Main.INVALID;
            }
            ProxyServer server = ProxyServer.start(config);
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                server.close();
                                bed.close();
                            },
                            "mysql-proxy-demo-shutdown"));
            out.println();
            out.println("mysql-proxy demo is running (Ctrl-C stops the proxy and the servers).");
            out.println("  primary   " + describe(bed.primary()));
            for (TestBedServer replica : bed.replicas()) {
                out.println("  replica   " + describe(replica));
            }
            // What a client that verifies the servers (the proxy's backends.tls.ca, the mariadb CLI's --ssl-ca) trusts.
            bed.tls().ifPresent(tls -> out.println("  server CA " + tls.caCertificate()));
            out.println("  proxy     127.0.0.1:" + server.port());
            out.println();
            out.println("Connect with:");
            out.println("  " + (flavour == ServerFlavour.MYSQL ? "mysql" : "mariadb") + " -h127.0.0.1 -P"
                    + server.port() + " -u" + DbAccount.APP.user() + " -p" + DbAccount.APP.password() + " "
                    + ReplicatedTestBed.APP_DATABASE);
            out.flush();
            return Main.OK;
        } catch (Exception e) {
            err.println("could not start the proxy: " + e);
            bed.close();
            return Main.FAILED;
        }
    }

    private static String describe(TestBedServer server) {
        return server.host() + ":" + server.port() + " (server_id " + server.serverId() + ")";
    }
}

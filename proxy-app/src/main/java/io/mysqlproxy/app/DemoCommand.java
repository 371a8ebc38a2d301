package io.mysqlproxy.app;

import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.server.ProxyServer;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedServer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code demo}: a local MariaDB primary and two GTID replicas (the same launcher the tests use)
 * and the proxy in front of them on 127.0.0.1:6033. Runs until interrupted; stops everything.
 * {@code --config FILE} applies HOCON over the demo's configuration (e.g. event-loop-threads).
 */
final class DemoCommand {

    static final int PORT = 6033;
    static final int ADMIN_PORT = 9090;

    private DemoCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        String overrides;
        if (args.length == 0) {
            overrides = "";
        } else if (args.length == 2 && args[0].equals("--config")) {
            try {
                overrides = Files.readString(Path.of(args[1]));
            } catch (IOException e) {
                err.println("cannot read " + args[1] + ": " + e.getMessage());
                return Main.INVALID;
            }
        } else {
            err.println(
                    "usage: mysql-proxy demo [--config FILE]   (FILE: HOCON applied over the demo's configuration)");
            return Main.INVALID;
        }
        ReplicatedTestBed bed;
        try {
            bed = ReplicatedTestBed.start();
        } catch (RuntimeException e) {
            err.println("could not start the local MariaDB servers: " + e.getMessage());
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
            out.println("  proxy     127.0.0.1:" + server.port());
            out.println();
            out.println("Connect with:");
            out.println("  mariadb -h127.0.0.1 -P" + server.port() + " -u" + DbAccount.APP.user() + " -p"
                    + DbAccount.APP.password() + " " + ReplicatedTestBed.APP_DATABASE);
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

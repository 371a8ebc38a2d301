package io.mysqlproxy.app;

import io.mysqlproxy.core.config.ConfigLoader;
import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.server.ProxyServer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code run [--config FILE]}: loads the configuration and serves until SIGTERM drains the proxy;
 * SIGHUP, or a change to FILE, reloads the configuration.
 */
final class RunCommand {

    private RunCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        Optional<Path> file;
        if (args.length == 0) {
            file = Optional.empty();
        } else if (args.length == 2 && args[0].equals("--config")) {
            file = Optional.of(Path.of(args[1]));
        } else {
            err.println("usage: mysql-proxy run [--config FILE]");
            return Main.INVALID;
        }
        ProxyConfig config;
        try {
            config = ConfigLoader.load(file);
        } catch (InvalidConfigException e) {
            err.println("invalid configuration: " + e.getMessage());
            return Main.INVALID;
        }
        try {
            ProxyServer server = ProxyServer.start(config, Discoveries.of(config));
            ConfigReloads.start(server, file, config.reloadWatchInterval());
            ShutdownSignals.install(server);
            return Main.OK;
        } catch (InvalidConfigException e) {
            err.println("invalid configuration: " + e.getMessage());
            return Main.INVALID;
        } catch (Exception e) {
            err.println("mysql-proxy failed to start: " + e);
            return Main.FAILED;
        }
    }
}

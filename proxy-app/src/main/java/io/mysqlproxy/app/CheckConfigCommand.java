package io.mysqlproxy.app;

import io.mysqlproxy.core.config.ConfigLoader;
import io.mysqlproxy.core.config.DiscoveryMode;
import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/** {@code check-config FILE}: validates a file (with the environment's overrides) and says what is wrong. */
final class CheckConfigCommand {

    private CheckConfigCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 1) {
            err.println("usage: mysql-proxy check-config FILE");
            return Main.INVALID;
        }
        try {
            ProxyConfig config = ConfigLoader.load(Optional.of(Path.of(args[0])));
            String replicas = config.discovery().mode() == DiscoveryMode.KUBERNETES
                    ? "replicas from Kubernetes service "
                            + config.discovery().kubernetes().service()
                    : config.backends().replicas().size() + " replica(s)";
            out.println("configuration OK: listen " + config.listenHost() + ":" + config.listenPort()
                    + ", primary " + config.backends().primary() + ", " + replicas + ", "
                    + config.users().size() + " user(s)");
            return Main.OK;
        } catch (InvalidConfigException e) {
            err.println("invalid configuration: " + e.getMessage());
            return Main.INVALID;
        }
    }
}

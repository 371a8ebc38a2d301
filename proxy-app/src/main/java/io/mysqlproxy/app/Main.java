package io.mysqlproxy.app;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code bin/mysql-proxy}: {@code run [--config FILE]}, {@code demo [--flavour mariadb|mysql] [--config FILE]}, {@code check-config FILE}.
 * Exit codes: 0 success, 1 failure at run time, 2 invalid configuration or usage.
 */
public final class Main {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int INVALID = 2;

    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != OK || !isLongRunning(args)) {
            System.exit(code);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            usage(err);
            return INVALID;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "run" -> RunCommand.run(rest, out, err);
            case "demo" -> DemoCommand.run(rest, out, err);
            case "check-config" -> CheckConfigCommand.run(rest, out, err);
            case "help", "--help", "-h" -> {
                usage(out);
                yield OK;
            }
            default -> {
                err.println("unknown command '" + args[0] + "'");
                usage(err);
                yield INVALID;
            }
        };
    }

    private static boolean isLongRunning(String[] args) {
        return args.length > 0 && (args[0].equals("run") || args[0].equals("demo"));
    }

    private static void usage(PrintStream out) {
        out.println("usage: mysql-proxy run [--config FILE]   start the proxy");
        out.println(
                "       mysql-proxy demo [--flavour mariadb|mysql] [--config FILE]  start a local primary, two replicas and the proxy on 127.0.0.1:6033");
        out.println("       mysql-proxy check-config FILE     validate a configuration file");
    }
}

package io.mysqlproxy.deploy;

import java.util.List;
import java.util.Map;

/** Passwords used by the tests: they must never appear in what deploy/ renders. */
final class TestSecrets {

    // Every character that option files, SQL literals or a shell treat specially: a comment (#), a statement end
    // (;), spaces (also leading and trailing: option files trim them), $, both quotes and backslashes (\n is an
    // option file escape, \\ a SQL one).
    static final String ROOT = "it-root #Pw1; $HOME 'x' \"y\" \\n";
    static final String REPLICATION = " it-repl#Pw2x;$(id)'\\\"` ";
    static final String APP = "it-app Pw3x #;'' \\\\ $1";
    static final String MONITOR = "it-monitor-Pw4x # ; $PATH ' \" \\";
    static final String ADMIN_TOKEN = "it-admin-token-Pw5x";

    /** The mysql-credentials Secret as the tests fill it (key to value). */
    static final Map<String, String> SECRET = Map.of(
            "root-password", ROOT,
            "replication-password", REPLICATION,
            "app-password", APP,
            "monitor-password", MONITOR,
            "admin-token", ADMIN_TOKEN);

    /** These plus proxy-testbed's fixed passwords (DbAccount). */
    static final List<String> ALL = List.of(
            ROOT,
            REPLICATION,
            APP,
            MONITOR,
            ADMIN_TOKEN,
            "testbed-root",
            "repl-secret",
            "app-secret",
            "monitor-secret");

    private TestSecrets() {}
}

package io.mysqlproxy.deploy;

import java.util.List;
import java.util.Map;

/** Passwords used by the tests: they must never appear in what deploy/ renders. */
final class TestSecrets {

    static final String ROOT = "it-root-Pw1x";
    static final String REPLICATION = "it-repl-Pw2x";
    static final String APP = "it-app-Pw3x";
    static final String MONITOR = "it-monitor-Pw4x";
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

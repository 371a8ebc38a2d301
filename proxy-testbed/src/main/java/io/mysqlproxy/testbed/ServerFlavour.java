package io.mysqlproxy.testbed;

import java.util.Locale;

/**
 * Which server the test bed runs: MariaDB (Debian's {@code mariadb-server}) or Oracle MySQL 9.7 LTS (installed by
 * {@code scripts/mysql-server.sh}). Chosen per JVM with the system property {@value #PROPERTY} or the environment
 * variable {@value #ENV}; MariaDB when neither is set.
 */
public enum ServerFlavour {
    MARIADB("MariaDB", new MariaDbRecipe()),
    MYSQL("MySQL", new MySqlRecipe());

    /** System property that selects the flavour: {@code mariadb} or {@code mysql}. */
    public static final String PROPERTY = "testbed.flavour";

    /** Environment variable that selects the flavour when the property is not set. */
    public static final String ENV = "MYSQL_PROXY_TESTBED_FLAVOUR";

    private final String displayName;
    private final ServerRecipe recipe;

    ServerFlavour(String displayName, ServerRecipe recipe) {
        this.displayName = displayName;
        this.recipe = recipe;
    }

    /** The flavour this JVM was asked for. */
    public static ServerFlavour current() {
        String chosen = System.getProperty(PROPERTY);
        if (chosen == null || chosen.isBlank()) {
            chosen = System.getenv(ENV);
        }
        return chosen == null || chosen.isBlank() ? MARIADB : parse(chosen);
    }

    /** {@code mariadb} or {@code mysql}, in any case. */
    public static ServerFlavour parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown test-bed flavour '" + name + "'; use mariadb or mysql", e);
        }
    }

    /** "MariaDB" or "MySQL", for messages. */
    public String displayName() {
        return displayName;
    }

    /**
     * A table expression with one column {@code seq} holding {@code from..to}, for generating rows: MariaDB's
     * Sequence engine table ({@code seq_1_to_1000}); on MySQL a recursive CTE (the servers allow its depth).
     */
    public String sequence(long from, long to) {
        String name = "seq_" + from + "_to_" + to;
        return this == MARIADB
                ? name
                : "(WITH RECURSIVE s (seq) AS (SELECT CAST(" + from + " AS SIGNED) UNION ALL SELECT seq + 1 FROM s"
                        + " WHERE seq < " + to + ") SELECT seq FROM s) AS " + name;
    }

    ServerRecipe recipe() {
        return recipe;
    }
}

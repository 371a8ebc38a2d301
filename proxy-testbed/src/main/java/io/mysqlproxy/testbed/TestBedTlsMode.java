package io.mysqlproxy.testbed;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether the test bed's servers present certificates of the bed's own CA ({@link TestBedTls}), and so whether a
 * proxy in front of them is configured to verify them. Chosen per JVM with the system property {@value #PROPERTY}
 * or the environment variable {@value #ENV}; {@link #VERIFY_CA} when neither is set.
 */
public enum TestBedTlsMode {
    /** Servers start with the bed's CA, certificate and key; a proxy in front of them says {@code verify-ca}. */
    VERIFY_CA("verify-ca"),
    /**
     * Servers start without the bed's certificates: MariaDB then has no TLS at all, MySQL 9.7 its own
     * auto-generated self-signed ones, which nothing can verify.
     */
    OFF("off");

    /** System property that selects the mode: {@code verify-ca} or {@code off}. */
    public static final String PROPERTY = "testbed.backend-tls";

    /** Environment variable that selects the mode when the property is not set. */
    public static final String ENV = "MYSQL_PROXY_TESTBED_BACKEND_TLS";

    private final String configName;

    TestBedTlsMode(String configName) {
        this.configName = configName;
    }

    /** The mode this JVM was asked for. */
    public static TestBedTlsMode current() {
        String chosen = System.getProperty(PROPERTY);
        if (chosen == null || chosen.isBlank()) {
            chosen = System.getenv(ENV);
        }
        return chosen == null || chosen.isBlank() ? VERIFY_CA : parse(chosen);
    }

    /** {@code verify-ca} or {@code off}, in any case. */
    public static TestBedTlsMode parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (TestBedTlsMode mode : values()) {
            if (mode.configName.equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("Unknown test-bed backend TLS mode '" + name + "'; use verify-ca or off");
    }

    /** The name used in {@value #PROPERTY}. */
    public String configName() {
        return configName;
    }

    /** The certificates servers started in this mode present: the JVM's shared ones, or none. */
    Optional<TestBedTls> certificates() {
        return this == VERIFY_CA ? Optional.of(TestBedCertificates.shared()) : Optional.empty();
    }
}

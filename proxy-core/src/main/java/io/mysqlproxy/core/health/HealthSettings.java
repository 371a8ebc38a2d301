package io.mysqlproxy.core.health;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How backends are checked: every {@code interval}, each check bounded by {@code timeout}; a
 * backend is ejected after {@code ejectAfter} failed checks in a row (a lagging replica at once)
 * and readmitted after {@code readmitAfter} good ones in a row, so a flapping server stays out.
 * {@code allowPublicKeyRetrieval} and {@code serverPublicKey} are backends.allow-public-key-retrieval and
 * backends.server-public-key, for the monitor's own logins: it follows the sessions' rules.
 * {@code tls}: the Connector/J properties of backends.tls ({@link ConnectorJTls}).
 */
public record HealthSettings(
        Duration interval,
        Duration timeout,
        Duration maxReplicationLag,
        int ejectAfter,
        int readmitAfter,
        String user,
        String password,
        boolean allowPublicKeyRetrieval,
        Optional<Path> serverPublicKey,
        Map<String, String> tls) {

    /** Never prints the password. */
    @Override
    public String toString() {
        return "HealthSettings[interval=" + interval + ", timeout=" + timeout + ", maxReplicationLag="
                + maxReplicationLag + ", ejectAfter=" + ejectAfter + ", readmitAfter=" + readmitAfter + ", user="
                + user + ", sslMode=" + tls.get("sslMode") + "]";
    }
}

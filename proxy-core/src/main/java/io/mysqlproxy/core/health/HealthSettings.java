package io.mysqlproxy.core.health;

import java.time.Duration;
import java.util.Map;

/**
 * How backends are checked: every {@code interval}, each check bounded by {@code timeout}; a
 * backend is ejected after {@code ejectAfter} failed checks in a row (a lagging replica at once)
 * and readmitted after {@code readmitAfter} good ones in a row, so a flapping server stays out.
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
        Map<String, String> tls) {

    /** Never prints the password. */
    @Override
    public String toString() {
        return "HealthSettings[interval=" + interval + ", timeout=" + timeout + ", maxReplicationLag="
                + maxReplicationLag + ", ejectAfter=" + ejectAfter + ", readmitAfter=" + readmitAfter + ", user="
                + user + ", sslMode=" + tls.get("sslMode") + "]";
    }
}

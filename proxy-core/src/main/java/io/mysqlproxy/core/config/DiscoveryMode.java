package io.mysqlproxy.core.config;

import java.util.Locale;

/** Where the replicas come from. */
public enum DiscoveryMode {
    /** {@code backends.replicas}, fixed for the life of the process. */
    STATIC,
    /** The endpoints of a Kubernetes Service, followed as pods come, go and change readiness. */
    KUBERNETES;

    public static DiscoveryMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be static or kubernetes, got '" + text + "'", e);
        }
    }
}

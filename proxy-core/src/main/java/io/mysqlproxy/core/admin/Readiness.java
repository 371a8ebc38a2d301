package io.mysqlproxy.core.admin;

/**
 * Whether the proxy can serve now. Asked by {@code /readyz} on the admin threads, so an
 * implementation may wait briefly, but never on an event loop.
 */
@FunctionalInterface
public interface Readiness {

    record State(boolean ready, String reason) {}

    State check();
}

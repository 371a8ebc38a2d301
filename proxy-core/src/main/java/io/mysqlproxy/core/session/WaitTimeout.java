package io.mysqlproxy.core.session;

import io.mysqlproxy.core.classify.TimeoutAssignment;
import io.mysqlproxy.protocol.flag.Capability;

import java.time.Duration;
import java.util.Locale;

/**
 * The session's wait_timeout, which the proxy enforces itself since the client's connection is the
 * proxy's, not a server's. At login it is client.idle-timeout, or client.interactive-timeout for a
 * client that sent CLIENT_INTERACTIVE (MySQL copies interactive_timeout into wait_timeout when it
 * authenticates such a client, and only then: a later {@code SET interactive_timeout} changes
 * nothing for the session). A successful {@code SET [SESSION] wait_timeout = N} makes it N seconds;
 * {@code = DEFAULT} makes it the global value, which is client.idle-timeout for interactive clients
 * too (as on the server). After COM_RESET_CONNECTION and COM_CHANGE_USER it is what the server
 * gives: MySQL the login value again, MariaDB the global value, even to an interactive client.
 *
 * <p>When it runs out the session ends as the server it logged in to would end it: MySQL (8.0.24
 * and later) sends ER_CLIENT_INTERACTION_TIMEOUT (4031) with sequence id 0 and closes; MariaDB
 * closes without a word, and its own 4031 is an unrelated error (a referenced trigger missing), so a
 * MariaDB client is never sent one.
 */
final class WaitTimeout {

    static final String VARIABLE = "wait_timeout";

    private final long loginNanos;
    private final long globalNanos;
    private final boolean announced;
    /** The value after a reset or change of user: the login value on MySQL, the global one on MariaDB. */
    private final long resetNanos;

    private long nanos;

    /** The session's at login: interactive or not, as the client said, on {@code serverVersion}'s terms. */
    static WaitTimeout atLogin(SessionInfo info, String serverVersion) {
        Duration login =
                Capability.INTERACTIVE.isSet(info.capabilities()) ? info.interactiveTimeout() : info.idleTimeout();
        return new WaitTimeout(login, info.idleTimeout(), serverVersion);
    }

    /**
     * @param login the value at login (the configured idle or interactive timeout)
     * @param global the configured idle timeout, what {@code DEFAULT} stands for
     * @param serverVersion the version string of the server the session logged in to
     */
    WaitTimeout(Duration login, Duration global, String serverVersion) {
        this.loginNanos = login.toNanos();
        this.globalNanos = global.toNanos();
        this.nanos = loginNanos;
        this.announced = !serverVersion.toLowerCase(Locale.ROOT).contains("mariadb");
        this.resetNanos = announced ? loginNanos : globalNanos;
    }

    /** How long the session may be idle now, in nanoseconds. */
    long nanos() {
        return nanos;
    }

    /** Whether the client is told with error 4031 before its connection closes (MySQL's way). */
    boolean announced() {
        return announced;
    }

    /** A SET statement succeeded: what it assigned to wait_timeout, if the proxy can read it, applies. */
    void setSucceeded(byte[] sql) {
        TimeoutAssignment assignment = TimeoutAssignment.in(sql, VARIABLE);
        if (assignment.restoresDefault()) {
            nanos = globalNanos;
        } else if (assignment.assigned()) {
            nanos = Duration.ofSeconds(assignment.seconds()).toNanos();
        }
    }

    /** COM_RESET_CONNECTION or COM_CHANGE_USER: the value the server starts such a session with. */
    void reset() {
        nanos = resetNanos;
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.core.auth.ClientAuthentication;
import io.mysqlproxy.core.auth.FailedLogins;
import io.mysqlproxy.core.config.Consistency;

import java.time.Duration;

/** The configured users, as a session needs them: password checks, their consistency, admin rights. */
public interface SessionUsers {

    /** A fresh password check against the configured users, for a client greeted with {@code nonce}. */
    ClientAuthentication authentication(byte[] nonce, String clientHost);

    /** The consistency a new session of {@code user} starts with. */
    Consistency consistencyOf(String user);

    /** Whether {@code user} may run the proxy's admin statements (its configured {@code admin}). */
    boolean isAdmin(String user);

    /** How long a client may take to authenticate: at login, and again in COM_CHANGE_USER. */
    Duration handshakeTimeout();

    /** Failed logins per client address, which admins may unblock. */
    FailedLogins failedLogins();
}

package io.mysqlproxy.core.server;

import io.mysqlproxy.core.auth.FailedLogins;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.LogText;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * One client login's side of the failed-login defence ({@link FailedLogins}) and of the per-user
 * session limit: refuses a blocked address (1129), says how late to answer, counts a failure, and
 * admits a user that passed its password check, or refuses it over {@code users[].max-connections}
 * (1226). Logs and meters each; the handshake handler sends the packets.
 */
final class LoginDefence {

    private static final Logger log = LoggerFactory.getLogger(LoginDefence.class);

    private final ProxyRuntime runtime;
    private final long connectionId;
    private final String host;
    private final String remote;

    LoginDefence(ProxyRuntime runtime, long connectionId, String host, String remote) {
        this.runtime = runtime;
        this.connectionId = connectionId;
        this.host = host;
        this.remote = remote;
    }

    /** Error 1129 when the address is blocked now, else null. */
    ErrPacket refusal() {
        if (!runtime.failedLogins().blocked(host)) {
            return null;
        }
        log.info("[conn {}] {}: refused, address blocked (client.max-connect-errors)", connectionId, remote);
        runtime.metrics().logins().blockedHostRefused();
        return ProxyErrors.hostBlocked(host);
    }

    /** How late to answer this login, success or failure alike, so that the wait says nothing of the password. */
    Duration delay() {
        Duration delay = runtime.failedLogins().delay(host);
        if (!delay.isZero()) {
            runtime.metrics().logins().loginDelayed();
        }
        return delay;
    }

    /** The password check failed: counted for the address, which may now be blocked. */
    void failed(String user, String reason) {
        log.info(
                "[conn {}] {}: authentication failed for user '{}': {}",
                connectionId,
                remote,
                LogText.escape(user),
                reason);
        runtime.metrics().authenticationFailed();
        if (runtime.failedLogins().failed(host)) {
            ProxyConfig.FailedLogins settings = runtime.config().client().failedLogins();
            runtime.metrics().logins().hostBlocked();
            log.warn(
                    "[conn {}] {}: address blocked for {} s after {} failed logins in a row (client.max-connect-errors)",
                    connectionId,
                    remote,
                    settings.hostBlockTime().toSeconds(),
                    settings.maxConnectErrors());
        }
    }

    /**
     * The password was right: the address's failures are forgotten. Null when {@code user} may open
     * one more session (counted until {@code channel} closes), else error 1226.
     */
    ErrPacket admit(UserAccount user, Channel channel) {
        runtime.failedLogins().succeeded(host);
        if (!runtime.userConnections().tryOpen(user.name(), user.maxConnections())) {
            log.info(
                    "[conn {}] {}: user '{}' refused: {} sessions open (users[].max-connections)",
                    connectionId,
                    remote,
                    LogText.escape(user.name()),
                    user.maxConnections());
            runtime.metrics().logins().userLimitReached();
            return ProxyErrors.userLimitReached(user.name(), user.maxConnections());
        }
        channel.closeFuture().addListener(f -> runtime.userConnections().closed(user.name()));
        return null;
    }
}

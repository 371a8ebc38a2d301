package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.core.topology.Topology;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Borrows the backend connection a login starts its session on: the primary's, or, while the primary cannot be
 * reached, a usable replica's; the session then takes its primary connection when a statement first needs it.
 * Either server checks the login the same way (user, password, schema), so a refusal from the primary is the
 * answer and no replica is asked; only an outage sends the login elsewhere ({@link PrimaryOutages}).
 */
public final class LoginConnections {

    private static final Logger log = LoggerFactory.getLogger(LoginConnections.class);

    /** The connection a session starts with, and the backend it is on. */
    public record Started(Backend backend, BackendConnection connection) {}

    private LoginConnections() {}

    /** The connection for {@code login} on {@code loop}; fails with the primary's error when no replica can serve. */
    public static Future<Started> borrow(SessionServices services, EventLoop loop, BackendLogin login) {
        Promise<Started> promise = loop.newPromise();
        Topology topology = services.topology();
        Backend primary = topology.primary();
        if (PrimaryOutages.primaryDown(topology) && onReplica(services, loop, login, promise, null)) {
            return promise;
        }
        Future<BackendConnection> borrowing = services.pool(primary).borrow(loop, login, false);
        borrowing.addListener(f -> {
            if (f.isSuccess()) {
                promise.setSuccess(new Started(primary, borrowing.getNow()));
            } else if (!PrimaryOutages.isOutage(f.cause()) || !onReplica(services, loop, login, promise, f.cause())) {
                promise.setFailure(f.cause());
            }
        });
        return promise;
    }

    /** Logs in on a usable replica instead; false when there is none. */
    private static boolean onReplica(
            SessionServices services,
            EventLoop loop,
            BackendLogin login,
            Promise<Started> promise,
            Throwable primaryFailure) {
        Backend replica = services.balancer().choose(services.topology(), false);
        if (replica == null) {
            return false;
        }
        log.debug(
                "login of '{}' on {}: the primary is away ({})",
                login.user(),
                replica,
                primaryFailure == null ? "down" : primaryFailure.getMessage());
        Future<BackendConnection> borrowing = services.pool(replica).borrow(loop, login, false);
        borrowing.addListener(f -> {
            if (f.isSuccess()) {
                promise.setSuccess(new Started(replica, borrowing.getNow()));
            } else {
                // The replica's own refusal (an unknown schema...) is the answer; if it is away too, the primary's.
                promise.setFailure(
                        primaryFailure != null && PrimaryOutages.isOutage(f.cause()) ? primaryFailure : f.cause());
            }
        });
        return true;
    }
}

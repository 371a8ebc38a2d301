package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendException;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.core.topology.BackendCondition;
import io.mysqlproxy.core.topology.BackendState;
import io.mysqlproxy.core.topology.Topology;
import io.mysqlproxy.core.topology.Writability;

/**
 * What counts as the primary being away, as opposed to refusing a login: logins and statements go on without it
 * (on a replica, or after a wait) only then.
 */
final class PrimaryOutages {

    private PrimaryOutages() {}

    /**
     * Whether a failed borrow means the server could not be reached or is going away: no connection, no
     * greeting, a shutdown in progress. What the server says of the login itself (access denied, unknown
     * schema, too many connections) is its answer, not an outage.
     */
    static boolean isOutage(Throwable cause) {
        if (!(cause instanceof BackendException backend)) {
            return true;
        }
        int code = backend.error().errorCode();
        return code == ProxyErrors.ER_CONNECT_TO_FOREIGN_DATA_SOURCE || code == ProxyErrors.ER_SERVER_SHUTDOWN;
    }

    /**
     * Whether the health monitor holds the primary down and its last check could not reach it either, so that
     * connecting now would only wait for a refusal or a timeout. A primary that answered its last check
     * counts as back even before the monitor moves its state.
     */
    static boolean primaryDown(Topology topology) {
        BackendCondition condition = topology.condition(topology.primary());
        return condition != null
                && condition.state() == BackendState.DOWN
                && condition.writability() != Writability.WRITABLE;
    }
}

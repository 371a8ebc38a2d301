package io.mysqlproxy.core.session;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The live client sessions by proxy connection id (the greeting's, the only id clients know), so
 * that KILL in one session can reach another, whichever event loop serves it. A session adds
 * itself when its command phase starts and removes itself when its channel closes.
 */
public final class SessionRegistry {

    private final ConcurrentMap<Long, FrontendCommandHandler> sessions = new ConcurrentHashMap<>();

    void add(long connectionId, FrontendCommandHandler session) {
        sessions.put(connectionId, session);
    }

    void remove(long connectionId, FrontendCommandHandler session) {
        sessions.remove(connectionId, session);
    }

    /** The session with this connection id, or null. */
    FrontendCommandHandler get(long connectionId) {
        return sessions.get(connectionId);
    }
}

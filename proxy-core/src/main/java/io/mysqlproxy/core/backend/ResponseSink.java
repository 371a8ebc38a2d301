package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.result.ResponseRelay;

/**
 * Where a backend connection's response bytes and events go: the frontend session that borrowed
 * it. The backend side knows nothing else about the session.
 */
public interface ResponseSink extends ResponseRelay.Output {

    /** End of one read from the backend: a good moment to flush. */
    void flush();

    /** The backend's channel became writable or stopped being so. */
    void backendWritabilityChanged();

    /** The backend connection closed or broke; {@code reason} says why. */
    void backendFailed(String reason, Throwable cause);
}

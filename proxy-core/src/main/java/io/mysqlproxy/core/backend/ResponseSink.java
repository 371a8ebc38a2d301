package io.mysqlproxy.core.backend;

import io.netty.buffer.ByteBuf;

/**
 * Where a backend connection's response bytes go: the frontend session that borrowed it. The
 * backend side knows nothing else about the session.
 */
public interface ResponseSink {

    /**
     * Bytes of whole or partial packets, in order; the sink owns {@code bytes}.
     * {@code lastSequenceId} is the sequence id of the last packet they belong to.
     */
    void forward(ByteBuf bytes, int lastSequenceId);

    /** End of one read from the backend: a good moment to flush. */
    void flush();

    /** The response to the current command is complete; {@code status} is its last status flags. */
    void responseComplete(int status);

    /** The server asked for a LOCAL INFILE upload: the client's packets go to the backend until an empty one. */
    void localInfileRequested();

    /** The backend's channel became writable or stopped being so. */
    void backendWritabilityChanged();

    /** The backend connection closed or broke; {@code reason} says why. */
    void backendFailed(String reason, Throwable cause);
}

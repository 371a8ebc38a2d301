package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.result.ResponseRelay;
import io.netty.buffer.ByteBuf;

/**
 * Where a backend connection's response bytes and events go: the frontend session that borrowed
 * it. The backend side knows nothing else about the session.
 */
public interface ResponseSink extends ResponseRelay.Output {

    /** Where nothing is expected: bytes arriving for it make the connection close. */
    ResponseSink UNATTACHED = new ResponseSink() {
        @Override
        public void forward(ByteBuf bytes, int lastSequenceId) {
            bytes.release();
        }

        @Override
        public void responseComplete(int status) {}

        @Override
        public void localInfileRequested() {}

        @Override
        public void backendFailed(String reason, Throwable cause) {}
    };

    /** End of one read from the backend: a good moment to flush. Sinks that relay nothing ignore it. */
    default void flush() {}

    /** The backend's channel became writable or stopped being so. Sinks that send nothing large ignore it. */
    default void backendWritabilityChanged() {}

    /** The backend connection closed or broke; {@code reason} says why. */
    void backendFailed(String reason, Throwable cause);
}

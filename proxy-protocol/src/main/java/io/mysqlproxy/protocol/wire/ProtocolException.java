package io.mysqlproxy.protocol.wire;

/** Bytes that do not follow the protocol: a malformed, truncated or oversized packet. */
public final class ProtocolException extends RuntimeException {

    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}

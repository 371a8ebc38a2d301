package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.packet.ErrPacket;

/**
 * A backend could not be used. {@link #error()} is what the client should see: the server's own
 * ERR when it sent one (wrong password, unknown database), otherwise one the proxy made.
 */
public final class BackendException extends Exception {

    private final transient ErrPacket error;

    public BackendException(ErrPacket error, Throwable cause) {
        super(error.message(), cause);
        this.error = error;
    }

    public ErrPacket error() {
        return error;
    }
}

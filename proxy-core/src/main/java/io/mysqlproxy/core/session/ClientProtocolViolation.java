package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.packet.ErrPacket;

/** A client broke the protocol; the session answers with {@link #error()} and closes. */
final class ClientProtocolViolation extends RuntimeException {

    private final transient ErrPacket error;

    ClientProtocolViolation(ErrPacket error, String reason) {
        super(reason, null, false, false);
        this.error = error;
    }

    ErrPacket error() {
        return error;
    }
}

package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.packet.ErrPacket;

/**
 * A client broke the protocol; the session answers with {@link #error()} and closes, in the
 * violating frame's turn: commands pipelined before it are answered first.
 */
final class ClientProtocolViolation extends RuntimeException {

    private final transient ErrPacket error;
    private final boolean following;

    ClientProtocolViolation(ErrPacket error, String reason, boolean following) {
        super(reason, null, false, false);
        this.error = error;
        this.following = following;
    }

    /** Whether the violating frame continued the command before it (else it started a command). */
    boolean following() {
        return following;
    }

    ErrPacket error() {
        return error;
    }
}

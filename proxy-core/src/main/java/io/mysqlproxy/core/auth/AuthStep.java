package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.ServerPacket;

/** What a client authentication exchange wants next. */
public sealed interface AuthStep {

    /** Send this packet and wait for the client's next auth packet. */
    record Reply(ServerPacket packet) implements AuthStep {
    }

    /** Send this packet, then carry on as authenticated (caching_sha2's fast-auth 0x03 before the OK). */
    record ReplyThenSuccess(ServerPacket packet, UserAccount user) implements AuthStep {
    }

    /** Authenticated. */
    record Success(UserAccount user) implements AuthStep {
    }

    /** Refused: send the error and close; {@code reason} is for the log only. */
    record Failure(ErrPacket error, String reason) implements AuthStep {
    }
}

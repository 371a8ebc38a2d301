package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.protocol.packet.ErrPacket;
import io.mysqlproxy.protocol.packet.ServerPacket;

/** What a client authentication exchange wants next; {@link #applyTo} dispatches on the kind. */
public sealed interface AuthStep {

    /** The four things an exchange can ask of the connection that runs it. */
    interface Handler {
        /** Send {@code packet} and wait for the client's next auth packet. */
        void reply(ServerPacket packet);

        /**
         * Send {@code packet} (caching_sha2's fast-auth 0x03), then carry on as {@code user}, logging in to
         * backends with {@code secret}.
         */
        void replyThenSucceed(ServerPacket packet, UserAccount user, BackendSecret secret);

        /** Carry on as {@code user}, logging in to backends with {@code secret}. */
        void succeed(UserAccount user, BackendSecret secret);

        /** Send the error and close; {@code reason} is for the log only. */
        void fail(ErrPacket error, String reason);
    }

    void applyTo(Handler handler);

    record Reply(ServerPacket packet) implements AuthStep {
        @Override
        public void applyTo(Handler handler) {
            handler.reply(packet);
        }
    }

    record ReplyThenSuccess(ServerPacket packet, UserAccount user, BackendSecret secret) implements AuthStep {
        @Override
        public void applyTo(Handler handler) {
            handler.replyThenSucceed(packet, user, secret);
        }
    }

    record Success(UserAccount user, BackendSecret secret) implements AuthStep {
        @Override
        public void applyTo(Handler handler) {
            handler.succeed(user, secret);
        }
    }

    record Failure(ErrPacket error, String reason) implements AuthStep {
        @Override
        public void applyTo(Handler handler) {
            handler.fail(error, reason);
        }
    }
}

package io.mysqlproxy.core.auth;

import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * What the proxy proves a client's identity to a backend with. A configured user's password; for a user
 * learned from the servers, what the client's own login gave the proxy: mysql_native_password's stage 1
 * (SHA1(password), recovered from the client's scramble: it answers native challenges and nothing else), or
 * the password's bytes from a caching_sha2_password full authentication. Immutable; {@code toString} never
 * prints it, and a learned password is never a {@code String}, so that it is not interned or kept in a heap
 * dump's string table.
 */
public sealed interface BackendSecret {

    /** A configured user's password, from the proxy's configuration. */
    static BackendSecret configured(String password) {
        return new Password(password.getBytes(StandardCharsets.UTF_8), false);
    }

    /** A learned account's password, as the client sent it in full. */
    static BackendSecret learnedPassword(byte[] password) {
        return new Password(password, true);
    }

    /** A learned mysql_native_password account's stage 1. */
    static BackendSecret nativeStage1(byte[] stage1) {
        return new NativeStage1(stage1);
    }

    /** The response to a server's {@code nonce} for {@code plugin}, or empty when this secret cannot make it. */
    Optional<byte[]> scramble(AuthPlugin plugin, byte[] nonce);

    /** The password's bytes for a full authentication, or empty when the proxy never had them. */
    Optional<byte[]> password();

    /** The password itself, configured or learned. */
    final class Password implements BackendSecret {
        private final byte[] bytes;
        private final boolean learned;

        private Password(byte[] bytes, boolean learned) {
            this.bytes = bytes.clone();
            this.learned = learned;
        }

        @Override
        public Optional<byte[]> scramble(AuthPlugin plugin, byte[] nonce) {
            return switch (plugin) {
                case MYSQL_NATIVE_PASSWORD -> Optional.of(NativePassword.scramble(bytes, nonce));
                case CACHING_SHA2_PASSWORD -> Optional.of(CachingSha2Password.scramble(bytes, nonce));
                case MYSQL_CLEAR_PASSWORD -> Optional.empty();
            };
        }

        @Override
        public Optional<byte[]> password() {
            return Optional.of(bytes.clone());
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Password that
                    && learned == that.learned
                    && MessageDigest.isEqual(bytes, that.bytes);
        }

        @Override
        public int hashCode() {
            return Boolean.hashCode(learned);
        }

        @Override
        public String toString() {
            return learned ? "BackendSecret[learned password]" : "BackendSecret[configured password]";
        }
    }

    /** SHA1(password): enough for mysql_native_password, useless for anything else. */
    final class NativeStage1 implements BackendSecret {
        private final byte[] stage1;

        private NativeStage1(byte[] stage1) {
            if (stage1.length != NativePassword.HASH_LENGTH) {
                throw new IllegalArgumentException("stage 1 is " + NativePassword.HASH_LENGTH + " bytes");
            }
            this.stage1 = stage1.clone();
        }

        @Override
        public Optional<byte[]> scramble(AuthPlugin plugin, byte[] nonce) {
            return plugin == AuthPlugin.MYSQL_NATIVE_PASSWORD
                    ? Optional.of(NativePassword.scrambleFromStage1(stage1, nonce))
                    : Optional.empty();
        }

        @Override
        public Optional<byte[]> password() {
            return Optional.empty();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof NativeStage1 that && MessageDigest.isEqual(stage1, that.stage1);
        }

        @Override
        public int hashCode() {
            return NativeStage1.class.hashCode();
        }

        @Override
        public String toString() {
            return "BackendSecret[learned mysql_native_password hash]";
        }
    }
}

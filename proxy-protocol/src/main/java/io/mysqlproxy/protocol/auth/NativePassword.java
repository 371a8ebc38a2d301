package io.mysqlproxy.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * mysql_native_password: {@code SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password)))}, and an
 * empty response for an empty password.
 */
public final class NativePassword {

    private NativePassword() {}

    public static byte[] scramble(String password, byte[] nonce) {
        if (password.isEmpty()) {
            return new byte[0];
        }
        MessageDigest sha1 = Digests.digest("SHA-1");
        byte[] stage1 = sha1.digest(password.getBytes(StandardCharsets.UTF_8));
        byte[] stage2 = sha1.digest(stage1);
        sha1.update(nonce, 0, Math.min(20, nonce.length));
        sha1.update(stage2);
        return Digests.xor(stage1, sha1.digest());
    }

    /** Constant-time check of a client's response against the configured password. */
    public static boolean verify(String password, byte[] nonce, byte[] response) {
        return MessageDigest.isEqual(scramble(password, nonce), response);
    }
}

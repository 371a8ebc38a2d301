package io.mysqlproxy.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * caching_sha2_password's fast-path scramble:
 * {@code SHA256(password) XOR SHA256(SHA256(SHA256(password)) + nonce)}. Full authentication
 * sends the password itself, in clear over TLS or RSA-encrypted (see {@link RsaPasswordCipher}).
 */
public final class CachingSha2Password {

    private CachingSha2Password() {}

    public static byte[] scramble(String password, byte[] nonce) {
        if (password.isEmpty()) {
            return new byte[0];
        }
        MessageDigest sha256 = Digests.digest("SHA-256");
        byte[] stage1 = sha256.digest(password.getBytes(StandardCharsets.UTF_8));
        byte[] stage2 = sha256.digest(stage1);
        sha256.update(stage2);
        sha256.update(nonce, 0, Math.min(20, nonce.length));
        return Digests.xor(stage1, sha256.digest());
    }

    public static boolean verify(String password, byte[] nonce, byte[] response) {
        return MessageDigest.isEqual(scramble(password, nonce), response);
    }

    /** The clear-text form full authentication sends over TLS: the password and a NUL. */
    public static byte[] clearText(String password) {
        byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, out, 0, bytes.length);
        return out;
    }

    /** Reads the clear-text form back: up to the first NUL, or the whole array if there is none. */
    public static String fromClearText(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}

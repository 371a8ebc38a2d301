package io.mysqlproxy.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * caching_sha2_password's fast-path scramble:
 * {@code SHA256(password) XOR SHA256(SHA256(SHA256(password)) + nonce)}. Full authentication
 * sends the password itself, in clear over TLS or RSA-encrypted (see {@link RsaPasswordCipher}).
 * What a server keeps in its cache to check the fast path is SHA256(SHA256(password)) ({@link
 * #cacheDigest}); what it stores for good is a SHA-256 crypt ({@link CachingSha2Hash}).
 */
public final class CachingSha2Password {

    private CachingSha2Password() {}

    public static byte[] scramble(String password, byte[] nonce) {
        return scramble(password.getBytes(StandardCharsets.UTF_8), nonce);
    }

    public static byte[] scramble(byte[] password, byte[] nonce) {
        if (password.length == 0) {
            return new byte[0];
        }
        MessageDigest sha256 = Digests.digest("SHA-256");
        byte[] stage1 = sha256.digest(password);
        byte[] stage2 = sha256.digest(stage1);
        return Digests.xor(stage1, mask(stage2, nonce));
    }

    public static boolean verify(String password, byte[] nonce, byte[] response) {
        return MessageDigest.isEqual(scramble(password, nonce), response);
    }

    /** SHA256(SHA256(password)): what the server caches after a full authentication. */
    public static byte[] cacheDigest(byte[] password) {
        MessageDigest sha256 = Digests.digest("SHA-256");
        return sha256.digest(sha256.digest(password));
    }

    /**
     * Constant-time check of a fast-path {@code response} against a cached {@link #cacheDigest}, as
     * MySQL's Validate_scramble: unmask SHA256(password) and hash it once more.
     */
    public static boolean verifyAgainstCache(byte[] cacheDigest, byte[] nonce, byte[] response) {
        if (response.length != cacheDigest.length) {
            return false;
        }
        byte[] stage1 = Digests.xor(response, mask(cacheDigest, nonce));
        return MessageDigest.isEqual(Digests.digest("SHA-256").digest(stage1), cacheDigest);
    }

    /** The clear-text form full authentication sends over TLS: the password and a NUL. */
    public static byte[] clearText(String password) {
        return clearText(password.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] clearText(byte[] password) {
        return Arrays.copyOf(password, password.length + 1);
    }

    /** Reads the clear-text form back: up to the first NUL, or the whole array if there is none. */
    public static String fromClearText(byte[] bytes) {
        return new String(passwordBytes(bytes), StandardCharsets.UTF_8);
    }

    /** The password's bytes in the clear-text form: up to the first NUL, or all of them. */
    public static byte[] passwordBytes(byte[] clearText) {
        int end = 0;
        while (end < clearText.length && clearText[end] != 0) {
            end++;
        }
        return Arrays.copyOf(clearText, end);
    }

    private static byte[] mask(byte[] stage2, byte[] nonce) {
        MessageDigest sha256 = Digests.digest("SHA-256");
        sha256.update(stage2);
        sha256.update(nonce, 0, Math.min(20, nonce.length));
        return sha256.digest();
    }
}

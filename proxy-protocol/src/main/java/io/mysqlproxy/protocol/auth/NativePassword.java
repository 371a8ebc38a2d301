package io.mysqlproxy.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * mysql_native_password: {@code SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password)))}, and an
 * empty response for an empty password. In MySQL's words SHA1(password) is "stage 1" and
 * SHA1(stage 1) "stage 2", which the server stores as {@code *} and 40 hex digits. Stage 2 is enough
 * to check a response, and a correct response gives stage 1 back, which is all it takes to answer
 * another server's challenge: the proxy can log in to backends without ever seeing the password.
 */
public final class NativePassword {

    /** SHA-1's length: stage 1, stage 2 and a non-empty response. */
    public static final int HASH_LENGTH = 20;

    private NativePassword() {}

    public static byte[] scramble(String password, byte[] nonce) {
        return scramble(password.getBytes(StandardCharsets.UTF_8), nonce);
    }

    public static byte[] scramble(byte[] password, byte[] nonce) {
        if (password.length == 0) {
            return new byte[0];
        }
        return scrambleFromStage1(Digests.digest("SHA-1").digest(password), nonce);
    }

    /** The response to {@code nonce} from stage 1 alone, as a client with the password would send it. */
    public static byte[] scrambleFromStage1(byte[] stage1, byte[] nonce) {
        requireHash(stage1, "stage 1");
        MessageDigest sha1 = Digests.digest("SHA-1");
        byte[] stage2 = sha1.digest(stage1);
        return Digests.xor(stage1, mask(stage2, nonce));
    }

    /** Constant-time check of a client's response against the configured password. */
    public static boolean verify(String password, byte[] nonce, byte[] response) {
        return MessageDigest.isEqual(scramble(password, nonce), response);
    }

    /**
     * Stage 2 from a stored authentication string ({@code *} and 40 hex digits, either case), or empty
     * when the string is not one (an empty string, the account without password, is not either).
     */
    public static Optional<byte[]> parseStage2(byte[] authenticationString) {
        if (authenticationString.length != 1 + 2 * HASH_LENGTH || authenticationString[0] != '*') {
            return Optional.empty();
        }
        String hex = new String(authenticationString, 1, 2 * HASH_LENGTH, StandardCharsets.US_ASCII);
        try {
            return Optional.of(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Stage 1 recovered from a client's {@code response} to {@code nonce}, when the response was made
     * with the password whose stage 2 is {@code stage2}; empty otherwise. The check compares in
     * constant time.
     */
    public static Optional<byte[]> recoverStage1(byte[] stage2, byte[] nonce, byte[] response) {
        requireHash(stage2, "stage 2");
        if (response.length != HASH_LENGTH) {
            return Optional.empty();
        }
        byte[] stage1 = Digests.xor(response, mask(stage2, nonce));
        byte[] check = Digests.digest("SHA-1").digest(stage1);
        return MessageDigest.isEqual(check, stage2) ? Optional.of(stage1) : Optional.empty();
    }

    /** SHA1(nonce + stage 2), what stage 1 is XORed with on the wire. */
    private static byte[] mask(byte[] stage2, byte[] nonce) {
        MessageDigest sha1 = Digests.digest("SHA-1");
        sha1.update(nonce, 0, Math.min(20, nonce.length));
        sha1.update(stage2);
        return sha1.digest();
    }

    private static void requireHash(byte[] hash, String what) {
        if (hash.length != HASH_LENGTH) {
            throw new IllegalArgumentException(what + " must be " + HASH_LENGTH + " bytes, not " + hash.length);
        }
    }
}

package io.mysqlproxy.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;

/**
 * caching_sha2_password's stored form of a password (MySQL's sha2_password.cc, {@code serialize}):
 * {@code $A$}, three hex digits of the iteration count in thousands ({@code 005}: 5000 rounds, {@code 00A}:
 * 10000), {@code $},
 * a 20-byte salt and the 43-character SHA-256 crypt of the password with that salt. The crypt is
 * Drepper's SHA-crypt as mysys/crypt_genhash_impl.cc computes it (the glibc {@code $5$} algorithm,
 * but with a salt of 20 bytes instead of at most 16). Checking a password costs that many rounds of
 * SHA-256, which is why servers (and the proxy) cache a quicker digest after the first success.
 */
public final class CachingSha2Hash {

    private static final int SALT_LENGTH = 20;
    private static final int HASH_LENGTH = 43;
    private static final int ITERATION_MULTIPLIER = 1000;
    /** MySQL's cap: three hex digits of thousands. */
    private static final int MAX_ITERATIONS = 0xFFF * ITERATION_MULTIPLIER;

    private static final int PREFIX_LENGTH = "$A$005$".length();
    private static final byte[] B64 =
            "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);

    private final int rounds;
    private final byte[] salt;
    private final byte[] hash;

    private CachingSha2Hash(int rounds, byte[] salt, byte[] hash) {
        this.rounds = rounds;
        this.salt = salt;
        this.hash = hash;
    }

    /** The parts of {@code authenticationString}, or empty when it is not in this form. */
    public static Optional<CachingSha2Hash> parse(byte[] authenticationString) {
        byte[] s = authenticationString;
        if (s.length != PREFIX_LENGTH + SALT_LENGTH + HASH_LENGTH
                || s[0] != '$'
                || s[1] != 'A'
                || s[2] != '$'
                || s[6] != '$') {
            return Optional.empty();
        }
        int count;
        try {
            // Hexadecimal: MySQL 9's default of 10000 rounds is stored as 00A.
            count = Integer.parseInt(new String(s, 3, 3, StandardCharsets.US_ASCII), 16);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        int rounds = Math.min(count * ITERATION_MULTIPLIER, MAX_ITERATIONS);
        if (rounds <= 0) {
            return Optional.empty();
        }
        byte[] salt = Arrays.copyOfRange(s, PREFIX_LENGTH, PREFIX_LENGTH + SALT_LENGTH);
        byte[] hash = Arrays.copyOfRange(s, PREFIX_LENGTH + SALT_LENGTH, s.length);
        return Optional.of(new CachingSha2Hash(rounds, salt, hash));
    }

    public int rounds() {
        return rounds;
    }

    /** Whether {@code password} (its bytes as the client sent them) is the one stored; constant-time compare. */
    public boolean matches(byte[] password) {
        return MessageDigest.isEqual(crypt(password, salt, rounds), hash);
    }

    /** The 43 characters of SHA-256 crypt (Drepper's steps 1 to 22) of {@code password} with {@code salt}. */
    static byte[] crypt(byte[] password, byte[] salt, int rounds) {
        MessageDigest sha = Digests.digest("SHA-256");
        // Steps 4-8: digest B of password, salt, password.
        sha.update(password);
        sha.update(salt);
        sha.update(password);
        byte[] b = sha.digest();
        // Steps 1-3, 9-12: digest A.
        sha.update(password);
        sha.update(salt);
        int i;
        for (i = password.length; i > 32; i -= 32) {
            sha.update(b, 0, 32);
        }
        sha.update(b, 0, i);
        for (i = password.length; i > 0; i >>= 1) {
            if ((i & 1) != 0) {
                sha.update(b, 0, 32);
            } else {
                sha.update(password);
            }
        }
        byte[] a = sha.digest();
        // Steps 13-16: P, the password-long sequence from DP.
        for (i = 0; i < password.length; i++) {
            sha.update(password);
        }
        byte[] p = repeat(sha.digest(), password.length);
        // Steps 17-20: S, the salt-long sequence from DS.
        for (i = 0; i < 16 + (a[0] & 0xff); i++) {
            sha.update(salt);
        }
        byte[] s = repeat(sha.digest(), salt.length);
        // Step 21: the rounds.
        byte[] c = a;
        for (i = 0; i < rounds; i++) {
            if ((i & 1) != 0) {
                sha.update(p);
            } else {
                sha.update(c);
            }
            if (i % 3 != 0) {
                sha.update(s);
            }
            if (i % 7 != 0) {
                sha.update(p);
            }
            if ((i & 1) != 0) {
                sha.update(c);
            } else {
                sha.update(p);
            }
            c = sha.digest();
        }
        Arrays.fill(p, (byte) 0);
        return encode(c);
    }

    private static byte[] repeat(byte[] digest, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = digest[i % digest.length];
        }
        Arrays.fill(digest, (byte) 0);
        return out;
    }

    /** Step 22: the crypt alphabet, bytes taken in SHA-crypt's shuffled order. */
    private static byte[] encode(byte[] c) {
        byte[] out = new byte[HASH_LENGTH];
        int at = 0;
        at = b64(out, at, c[0], c[10], c[20], 4);
        at = b64(out, at, c[21], c[1], c[11], 4);
        at = b64(out, at, c[12], c[22], c[2], 4);
        at = b64(out, at, c[3], c[13], c[23], 4);
        at = b64(out, at, c[24], c[4], c[14], 4);
        at = b64(out, at, c[15], c[25], c[5], 4);
        at = b64(out, at, c[6], c[16], c[26], 4);
        at = b64(out, at, c[27], c[7], c[17], 4);
        at = b64(out, at, c[18], c[28], c[8], 4);
        at = b64(out, at, c[9], c[19], c[29], 4);
        b64(out, at, (byte) 0, c[31], c[30], 3);
        return out;
    }

    private static int b64(byte[] out, int at, byte b2, byte b1, byte b0, int n) {
        int w = (b2 & 0xff) << 16 | (b1 & 0xff) << 8 | b0 & 0xff;
        for (int k = 0; k < n; k++) {
            out[at++] = B64[w & 0x3f];
            w >>>= 6;
        }
        return at;
    }

    /** Never prints the salt or hash. */
    @Override
    public String toString() {
        return "CachingSha2Hash[rounds=" + rounds + "]";
    }
}

package io.mysqlproxy.protocol.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Hashing and XOR shared by the password scrambles. */
final class Digests {

    private Digests() {}

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required by the MySQL auth plugins", e);
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i % b.length]);
        }
        return out;
    }
}

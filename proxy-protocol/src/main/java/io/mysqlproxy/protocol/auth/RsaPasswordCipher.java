package io.mysqlproxy.protocol.auth;

import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The RSA exchange of caching_sha2_password full authentication without TLS: the client XORs
 * {@code password + NUL} with the nonce and encrypts it with the server's public key (OAEP).
 */
public final class RsaPasswordCipher {

    private static final String TRANSFORMATION = "RSA/ECB/OAEPWithSHA-1AndMGF1Padding";
    /**
     * What clients use with servers they take for older than MySQL 8.0.5: Connector/J picks the padding from the
     * greeting's version, and MariaDB's "5.5.5-10.x" (or any 5.x or early 8.0 version) makes it PKCS#1 v1.5.
     */
    private static final String LEGACY_TRANSFORMATION = "RSA/ECB/PKCS1Padding";

    private RsaPasswordCipher() {}

    public static byte[] encrypt(String password, byte[] nonce, PublicKey key) {
        return encrypt(password.getBytes(StandardCharsets.UTF_8), nonce, key);
    }

    /** {@code password}: its bytes as the client sent them (the proxy keeps a learned password as bytes only). */
    public static byte[] encrypt(byte[] password, byte[] nonce, PublicKey key) {
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key);
            return cipher.doFinal(Digests.xor(CachingSha2Password.clearText(password), nonce));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA encryption of the password failed", e);
        }
    }

    /**
     * The password a client encrypted, with OAEP or PKCS#1 v1.5 padding, or throws when the bytes were not made
     * with our key.
     */
    public static String decrypt(byte[] encrypted, byte[] nonce, PrivateKey key) throws GeneralSecurityException {
        return new String(decryptBytes(encrypted, nonce, key), StandardCharsets.UTF_8);
    }

    /** As {@link #decrypt}, the password's bytes as the client sent them, never made a String. */
    public static byte[] decryptBytes(byte[] encrypted, byte[] nonce, PrivateKey key) throws GeneralSecurityException {
        byte[] mixed;
        try {
            mixed = decrypt(TRANSFORMATION, encrypted, key);
        } catch (BadPaddingException e) {
            mixed = decrypt(LEGACY_TRANSFORMATION, encrypted, key);
        }
        return CachingSha2Password.passwordBytes(Digests.xor(mixed, nonce));
    }

    private static byte[] decrypt(String transformation, byte[] encrypted, PrivateKey key)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance(transformation);
        cipher.init(Cipher.DECRYPT_MODE, key);
        return cipher.doFinal(encrypted);
    }

    public static String toPem(PublicKey key) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    public static PublicKey fromPem(String pem) {
        String body = pem.replace("-----BEGIN PUBLIC KEY-----", "")
                .replace("-----END PUBLIC KEY-----", "")
                .replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an RSA public key in PEM form", e);
        }
    }
}

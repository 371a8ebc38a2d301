package io.mysqlproxy.protocol.auth;

import com.mysql.cj.protocol.ExportControlled;
import com.mysql.cj.protocol.Security;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Connector/J encrypts with OAEP for servers it takes for MySQL 8.0.5 or later and with PKCS#1 v1.5 for older
 * ones, which includes every MariaDB ("5.5.5-10.x"); the proxy must read both.
 */
class RsaPasswordCipherTest {

    private static final byte[] NONCE = "abcdefghij0123456789".getBytes(StandardCharsets.US_ASCII);

    @ParameterizedTest
    @ValueSource(strings = {"RSA/ECB/OAEPWithSHA-1AndMGF1Padding", "RSA/ECB/PKCS1Padding"})
    void decryptsWhatConnectorJEncrypts(String transformation) throws Exception {
        KeyPair pair = newKeyPair();
        String pem = RsaPasswordCipher.toPem(pair.getPublic());
        byte[] clear = CachingSha2Password.clearText("pässword");
        byte[] mixed = new byte[clear.length];
        Security.xorString(clear, mixed, NONCE, clear.length);
        byte[] encrypted = ExportControlled.encryptWithRSAPublicKey(
                mixed, ExportControlled.decodeRSAPublicKey(pem), transformation);
        assertEquals("pässword", RsaPasswordCipher.decrypt(encrypted, NONCE, pair.getPrivate()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA/ECB/OAEPWithSHA-1AndMGF1Padding", "RSA/ECB/PKCS1Padding"})
    void neverRecoversThePasswordFromBytesEncryptedWithAnotherKey(String transformation) throws Exception {
        KeyPair ours = newKeyPair();
        KeyPair theirs = newKeyPair();
        byte[] clear = CachingSha2Password.clearText("pw");
        byte[] mixed = new byte[clear.length];
        Security.xorString(clear, mixed, NONCE, clear.length);
        byte[] encrypted = ExportControlled.encryptWithRSAPublicKey(
                mixed,
                ExportControlled.decodeRSAPublicKey(RsaPasswordCipher.toPem(theirs.getPublic())),
                transformation);
        String decrypted;
        try {
            decrypted = RsaPasswordCipher.decrypt(encrypted, NONCE, ours.getPrivate());
        } catch (GeneralSecurityException e) {
            // What nearly always happens; about once in 65536 keys, the wrong key yields valid PKCS#1 padding and
            // garbage, which the password comparison then refuses.
            decrypted = null;
        }
        assertNotEquals("pw", decrypted);
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }
}

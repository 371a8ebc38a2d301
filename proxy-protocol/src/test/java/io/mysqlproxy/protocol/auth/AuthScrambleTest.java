package io.mysqlproxy.protocol.auth;

import com.mysql.cj.protocol.ExportControlled;
import com.mysql.cj.protocol.Security;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our scrambles against Connector/J's own implementation of the same plugins. */
class AuthScrambleTest {

    private static final byte[] NONCE = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);

    @Test
    void nativePasswordMatchesConnectorJ() {
        byte[] expected = Security.scramble411("s3cr3t-pässword".getBytes(StandardCharsets.UTF_8), NONCE);
        assertArrayEquals(expected, NativePassword.scramble("s3cr3t-pässword", NONCE));
        assertTrue(NativePassword.verify("s3cr3t-pässword", NONCE, expected));
        assertFalse(NativePassword.verify("other", NONCE, expected));
    }

    @Test
    void cachingSha2MatchesConnectorJ() throws Exception {
        byte[] expected = Security.scrambleCachingSha2("s3cr3t-pässword".getBytes(StandardCharsets.UTF_8), NONCE);
        assertArrayEquals(expected, CachingSha2Password.scramble("s3cr3t-pässword", NONCE));
        assertTrue(CachingSha2Password.verify("s3cr3t-pässword", NONCE, expected));
    }

    @Test
    void emptyPasswordHasEmptyResponse() {
        assertEquals(0, NativePassword.scramble("", NONCE).length);
        assertEquals(0, CachingSha2Password.scramble("", NONCE).length);
    }

    @Test
    void rsaExchangeRoundTripsThroughPem() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        String pem = RsaPasswordCipher.toPem(pair.getPublic());
        assertTrue(pem.startsWith("-----BEGIN PUBLIC KEY-----\n"));
        // Encrypted the way Connector/J does it, decrypted by the proxy's side.
        byte[] clear = CachingSha2Password.clearText("pw");
        byte[] mixed = new byte[clear.length];
        Security.xorString(clear, mixed, NONCE, clear.length);
        byte[] encrypted = ExportControlled.encryptWithRSAPublicKey(
                mixed, ExportControlled.decodeRSAPublicKey(pem), "RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        assertEquals("pw", RsaPasswordCipher.decrypt(encrypted, NONCE, pair.getPrivate()));
        assertEquals(
                "pw",
                RsaPasswordCipher.decrypt(
                        RsaPasswordCipher.encrypt("pw", NONCE, RsaPasswordCipher.fromPem(pem)),
                        NONCE,
                        pair.getPrivate()));
    }
}

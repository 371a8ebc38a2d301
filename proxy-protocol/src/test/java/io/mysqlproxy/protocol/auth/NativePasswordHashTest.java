package io.mysqlproxy.protocol.auth;

import com.mysql.cj.protocol.Security;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mysql_native_password from the server's side: the stored {@code *HEX} stage 2, checking a response with it
 * alone, and recovering stage 1 to answer another server. The stored string is what MariaDB's and MySQL 5.7's
 * {@code PASSWORD('password')} return; responses are Connector/J's.
 */
class NativePasswordHashTest {

    private static final byte[] STORED =
            "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_NONCE = "jihgfedcba9876543210".getBytes(StandardCharsets.US_ASCII);

    @Test
    void storedStringIsStage2() throws Exception {
        byte[] stage1 = MessageDigest.getInstance("SHA-1").digest(utf8("password"));
        assertArrayEquals(
                MessageDigest.getInstance("SHA-1").digest(stage1),
                NativePassword.parseStage2(STORED).orElseThrow());
        assertArrayEquals(
                NativePassword.parseStage2(STORED).orElseThrow(),
                NativePassword.parseStage2(
                                "*2470c0c06dee42fd1618bb99005adca2ec9d1e19".getBytes(StandardCharsets.US_ASCII))
                        .orElseThrow());
    }

    @Test
    void rightResponseGivesStage1WhichAnswersAnotherNonce() throws Exception {
        byte[] stage2 = NativePassword.parseStage2(STORED).orElseThrow();
        byte[] response = Security.scramble411(utf8("password"), NONCE);
        byte[] stage1 = NativePassword.recoverStage1(stage2, NONCE, response).orElseThrow();
        assertArrayEquals(MessageDigest.getInstance("SHA-1").digest(utf8("password")), stage1);
        assertArrayEquals(
                Security.scramble411(utf8("password"), OTHER_NONCE),
                NativePassword.scrambleFromStage1(stage1, OTHER_NONCE));
    }

    @Test
    void wrongResponsesGiveNothing() {
        byte[] stage2 = NativePassword.parseStage2(STORED).orElseThrow();
        assertTrue(NativePassword.recoverStage1(stage2, NONCE, Security.scramble411(utf8("Password"), NONCE))
                .isEmpty());
        assertTrue(NativePassword.recoverStage1(stage2, OTHER_NONCE, Security.scramble411(utf8("password"), NONCE))
                .isEmpty());
        assertTrue(NativePassword.recoverStage1(stage2, NONCE, new byte[0]).isEmpty());
        assertTrue(NativePassword.recoverStage1(stage2, NONCE, new byte[19]).isEmpty());
    }

    @Test
    void nonUtf8PasswordBytesWorkAsSent() {
        byte[] latin1 = "pässwörd".getBytes(StandardCharsets.ISO_8859_1);
        assertArrayEquals(Security.scramble411(latin1, NONCE), NativePassword.scramble(latin1, NONCE));
    }

    @Test
    void malformedStoredStringsAreNotParsed() {
        assertTrue(NativePassword.parseStage2(new byte[0]).isEmpty());
        assertTrue(NativePassword.parseStage2(utf8("2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"))
                .isEmpty());
        assertTrue(NativePassword.parseStage2(utf8("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E1Z"))
                .isEmpty());
        assertTrue(NativePassword.parseStage2(utf8("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E"))
                .isEmpty());
    }

    @Test
    void cachingSha2FastPathChecksAgainstTheCacheDigest() {
        byte[] digest = CachingSha2Password.cacheDigest(utf8("s-pass"));
        assertTrue(CachingSha2Password.verifyAgainstCache(
                digest, NONCE, CachingSha2Password.scramble(utf8("s-pass"), NONCE)));
        assertTrue(!CachingSha2Password.verifyAgainstCache(
                digest, NONCE, CachingSha2Password.scramble(utf8("s-pas"), NONCE)));
        assertTrue(!CachingSha2Password.verifyAgainstCache(digest, NONCE, new byte[0]));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

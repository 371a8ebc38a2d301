package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.backend.BackendLogin;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each kind of secret can answer, and that none of them ever prints what it holds. */
class BackendSecretTest {

    private static final String PASSWORD = "Tr0ub4dor&3-pässword";
    private static final byte[] NONCE = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);

    @Test
    void passwordsAnswerBothPluginsAndFullAuthentication() {
        for (BackendSecret secret :
                List.of(BackendSecret.configured(PASSWORD), BackendSecret.learnedPassword(utf8()))) {
            assertArrayEquals(
                    NativePassword.scramble(PASSWORD, NONCE),
                    secret.scramble(AuthPlugin.MYSQL_NATIVE_PASSWORD, NONCE).orElseThrow());
            assertArrayEquals(
                    CachingSha2Password.scramble(PASSWORD, NONCE),
                    secret.scramble(AuthPlugin.CACHING_SHA2_PASSWORD, NONCE).orElseThrow());
            assertArrayEquals(utf8(), secret.password().orElseThrow());
            assertTrue(secret.scramble(AuthPlugin.MYSQL_CLEAR_PASSWORD, NONCE).isEmpty());
        }
    }

    @Test
    void nativeStage1AnswersNativeChallengesOnly() throws Exception {
        BackendSecret secret = BackendSecret.nativeStage1(sha1());
        assertArrayEquals(
                NativePassword.scramble(PASSWORD, NONCE),
                secret.scramble(AuthPlugin.MYSQL_NATIVE_PASSWORD, NONCE).orElseThrow());
        assertTrue(secret.scramble(AuthPlugin.CACHING_SHA2_PASSWORD, NONCE).isEmpty());
        assertTrue(secret.password().isEmpty());
    }

    /** The caller's array may be wiped or reused: the secret keeps its own copy. */
    @Test
    void secretsCopyWhatTheyAreGiven() {
        byte[] bytes = utf8();
        BackendSecret secret = BackendSecret.learnedPassword(bytes);
        bytes[0] = 0;
        assertArrayEquals(utf8(), secret.password().orElseThrow());
        secret.password().orElseThrow()[0] = 0;
        assertArrayEquals(utf8(), secret.password().orElseThrow());
    }

    @Test
    void equalityIsByContentAndKind() throws Exception {
        assertEquals(BackendSecret.learnedPassword(utf8()), BackendSecret.learnedPassword(utf8()));
        assertNotEquals(BackendSecret.learnedPassword(utf8()), BackendSecret.configured(PASSWORD));
        assertEquals(BackendSecret.nativeStage1(sha1()), BackendSecret.nativeStage1(sha1()));
    }

    @Test
    void noStringFormShowsThePasswordOrItsHash() throws Exception {
        String hex = HexFormat.of().formatHex(sha1());
        List<BackendSecret> secrets = List.of(
                BackendSecret.configured(PASSWORD),
                BackendSecret.learnedPassword(utf8()),
                BackendSecret.nativeStage1(sha1()));
        for (BackendSecret secret : secrets) {
            BackendLogin login =
                    new BackendLogin("app", secret, AuthPlugin.MYSQL_NATIVE_PASSWORD, 0, 0, 45, "db", null);
            for (String text : List.of(secret.toString(), login.toString(), String.valueOf(login.inDatabase("x")))) {
                assertFalse(text.contains(PASSWORD), text);
                assertFalse(text.toLowerCase().contains(hex), text);
                assertFalse(text.contains("Tr0ub"), text);
            }
        }
    }

    private static byte[] utf8() {
        return PASSWORD.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] sha1() throws Exception {
        return MessageDigest.getInstance("SHA-1").digest(utf8());
    }
}

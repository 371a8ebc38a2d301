package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.mysqlproxy.protocol.packet.AuthMoreData;
import io.mysqlproxy.protocol.packet.AuthSwitchRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The proxy checking client passwords: expected scrambles come from the protocol's own helpers. */
class ClientAuthenticationTest {

    private static final RsaKeys RSA = RsaKeys.generate();
    private static final byte[] NONCE = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
    private static final String HOST = "10.0.0.7";

    private static final UserAccount NATIVE =
            new UserAccount("native", "n-pass", Optional.of(AuthPlugin.MYSQL_NATIVE_PASSWORD));
    private static final UserAccount SHA2 =
            new UserAccount("sha2", "s-pass", Optional.of(AuthPlugin.CACHING_SHA2_PASSWORD));
    /** "auto": checked with the primary's own plugin. */
    private static final UserAccount AUTO = new UserAccount("auto", "a-pass", Optional.empty());

    private static final UserAccount NO_PASSWORD =
            new UserAccount("open", "", Optional.of(AuthPlugin.CACHING_SHA2_PASSWORD));
    private static final Map<String, UserAccount> USERS =
            Map.of("native", NATIVE, "sha2", SHA2, "auto", AUTO, "open", NO_PASSWORD);

    private final Sha2AuthCache cache = new Sha2AuthCache();

    private ClientAuthentication exchange(AuthPlugin serverDefault) {
        return new ClientAuthentication(
                name -> Optional.ofNullable(USERS.get(name)), cache, RSA, NONCE, HOST, serverDefault);
    }

    @Test
    void nativePasswordRightScrambleSucceeds() {
        assertEquals(
                configured(NATIVE),
                exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                        .start("native", "mysql_native_password", NativePassword.scramble("n-pass", NONCE), false));
    }

    @Test
    void nativePasswordWrongScrambleIsDenied() {
        assertEquals(
                denied("native", true, "wrong password"),
                exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                        .start("native", "mysql_native_password", NativePassword.scramble("n-pas", NONCE), false));
    }

    @Test
    void nativePasswordScrambledWithAnotherNonceIsDenied() {
        byte[] otherNonce = "0123456789abcdefghiX".getBytes(StandardCharsets.US_ASCII);
        assertEquals(
                denied("native", true, "wrong password"),
                exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                        .start(
                                "native",
                                "mysql_native_password",
                                NativePassword.scramble("n-pass", otherNonce),
                                false));
    }

    @Test
    void noPasswordSentForAnAccountWithOneIsDeniedAsUsingPasswordNo() {
        assertEquals(
                denied("native", false, "wrong password"),
                exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                        .start("native", "mysql_native_password", new byte[0], false));
    }

    @Test
    void unknownUserIsDeniedLikeAWrongPassword() {
        assertEquals(
                denied("nobody", true, "unknown user"),
                exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                        .start("nobody", "mysql_native_password", NativePassword.scramble("x", NONCE), false));
    }

    /**
     * MySQL's decoy account: where a known user would get an auth switch (the greeting named
     * mysql_native_password, the accounts use caching_sha2_password), so does an unknown one, to the
     * same plugin with the same nonce; its answer is then refused with the same error, differing only
     * in the name the client sent itself.
     */
    @Test
    void anUnknownUserGetsTheAuthSwitchAKnownUserGetsAndTheSameError() {
        List<AuthPlugin> configured = List.of(AuthPlugin.CACHING_SHA2_PASSWORD);
        ClientAuthentication known = new ClientAuthentication(
                name -> Optional.ofNullable(USERS.get(name)),
                cache,
                RSA,
                NONCE,
                HOST,
                AuthPlugin.CACHING_SHA2_PASSWORD,
                configured);
        ClientAuthentication unknown = new ClientAuthentication(
                name -> Optional.ofNullable(USERS.get(name)),
                cache,
                RSA,
                NONCE,
                HOST,
                AuthPlugin.CACHING_SHA2_PASSWORD,
                configured);
        byte[] nativeScramble = NativePassword.scramble("guess", NONCE);
        AuthStep knownSwitch = known.start("sha2", "mysql_native_password", nativeScramble, false);
        AuthStep unknownSwitch = unknown.start("nobody", "mysql_native_password", nativeScramble, false);
        assertEquals(switchTo(AuthPlugin.CACHING_SHA2_PASSWORD), knownSwitch);
        assertEquals(knownSwitch, unknownSwitch, "the same packet for both");

        byte[] guess = CachingSha2Password.scramble("guess", NONCE);
        AuthStep.Failure knownFailure = (AuthStep.Failure) known.next(guess, false);
        AuthStep.Failure unknownFailure = (AuthStep.Failure) unknown.next(guess, false);
        assertEquals(ProxyErrors.accessDenied("sha2", HOST, true), knownFailure.error());
        assertEquals(ProxyErrors.accessDenied("nobody", HOST, true), unknownFailure.error());
        assertEquals(knownFailure.error().errorCode(), unknownFailure.error().errorCode());
        assertEquals(knownFailure.error().sqlState(), unknownFailure.error().sqlState());
    }

    @Test
    void anUnknownUserSendingNoPasswordIsDeniedAsUsingPasswordNoLikeAKnownOne() {
        ClientAuthentication exchange = exchange(AuthPlugin.CACHING_SHA2_PASSWORD);
        assertEquals(
                denied("nobody", false, "unknown user"),
                exchange.start("nobody", "caching_sha2_password", new byte[0], false));
        assertEquals(
                denied("sha2", false, "wrong password"),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD).start("sha2", "caching_sha2_password", new byte[0], false));
    }

    /** An attacker trying a name twice must not see it switch plugins: the decoy's is fixed per name. */
    @Test
    void anUnknownUsersPluginIsOneOfTheConfiguredOnesAndTheSameEveryTime() {
        List<AuthPlugin> configured = List.of(AuthPlugin.CACHING_SHA2_PASSWORD, AuthPlugin.MYSQL_NATIVE_PASSWORD);
        java.util.Set<AuthStep> seen = new java.util.HashSet<>();
        for (int i = 0; i < 40; i++) {
            String name = "nobody" + i;
            AuthStep first = new ClientAuthentication(
                            n -> Optional.empty(),
                            cache,
                            RSA,
                            NONCE,
                            HOST,
                            AuthPlugin.MYSQL_NATIVE_PASSWORD,
                            configured)
                    .start(name, "sha256_password", new byte[0], false);
            AuthStep again = new ClientAuthentication(
                            n -> Optional.empty(),
                            cache,
                            RSA,
                            NONCE,
                            HOST,
                            AuthPlugin.MYSQL_NATIVE_PASSWORD,
                            configured)
                    .start(name, "sha256_password", new byte[0], false);
            assertEquals(first, again, name);
            seen.add(first);
        }
        assertEquals(
                java.util.Set.of(
                        switchTo(AuthPlugin.CACHING_SHA2_PASSWORD), switchTo(AuthPlugin.MYSQL_NATIVE_PASSWORD)),
                seen,
                "both configured plugins are used as decoys");
    }

    private static AuthStep switchTo(AuthPlugin plugin) {
        return new AuthStep.Reply(new AuthSwitchRequest(plugin.wireName(), Arrays.copyOf(NONCE, NONCE.length + 1)));
    }

    @Test
    void cachingSha2WrongScrambleIsDenied() {
        assertEquals(
                denied("sha2", true, "wrong password"),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD)
                        .start("sha2", "caching_sha2_password", CachingSha2Password.scramble("wrong", NONCE), false));
    }

    @Test
    void cachingSha2RightScrambleNotYetCachedAsksForFullAuthentication() {
        assertEquals(
                fullAuthRequest(),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD)
                        .start("sha2", "caching_sha2_password", CachingSha2Password.scramble("s-pass", NONCE), false));
    }

    @Test
    void cachingSha2CacheHitIsFastAuthentication() {
        cache.remember(SHA2, utf8("s-pass"));
        assertEquals(
                new AuthStep.ReplyThenSuccess(
                        new AuthMoreData(new byte[] {AuthMoreData.FAST_AUTH_SUCCESS}),
                        SHA2,
                        BackendSecret.configured("s-pass")),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD)
                        .start("sha2", "caching_sha2_password", CachingSha2Password.scramble("s-pass", NONCE), false));
    }

    @Test
    void cacheEntryForAnOldPasswordIsNoHit() {
        cache.remember(
                new UserAccount("sha2", "old-pass", Optional.of(AuthPlugin.CACHING_SHA2_PASSWORD)), utf8("old-pass"));
        assertEquals(
                fullAuthRequest(),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD)
                        .start("sha2", "caching_sha2_password", CachingSha2Password.scramble("s-pass", NONCE), false));
    }

    @Test
    void emptyPasswordWithEmptyResponseSucceedsAtOnce() {
        assertEquals(
                configured(NO_PASSWORD),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD).start("open", "caching_sha2_password", new byte[0], false));
    }

    @Test
    void clientOnAnotherPluginIsSwitchedWithTheSameNonceThenChecked() {
        ClientAuthentication auth = exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD);
        byte[] nonceWithNul = Arrays.copyOf(NONCE, NONCE.length + 1);
        assertEquals(
                new AuthStep.Reply(new AuthSwitchRequest("caching_sha2_password", nonceWithNul)),
                auth.start("sha2", "mysql_native_password", NativePassword.scramble("s-pass", NONCE), false));
        cache.remember(SHA2, utf8("s-pass"));
        assertEquals(
                new AuthStep.ReplyThenSuccess(
                        new AuthMoreData(new byte[] {AuthMoreData.FAST_AUTH_SUCCESS}),
                        SHA2,
                        BackendSecret.configured("s-pass")),
                auth.next(CachingSha2Password.scramble("s-pass", NONCE), false));
    }

    @Test
    void switchedClientWithAWrongAnswerIsDenied() {
        ClientAuthentication auth = exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD);
        auth.start("sha2", "mysql_native_password", new byte[0], false);
        assertEquals(
                denied("sha2", true, "wrong password"), auth.next(NativePassword.scramble("s-pass", NONCE), false));
    }

    @Test
    void autoAccountUsesThePrimarysPlugin() {
        assertEquals(
                configured(AUTO),
                exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                        .start("auto", "mysql_native_password", NativePassword.scramble("a-pass", NONCE), false));
        assertEquals(
                new AuthStep.Reply(
                        new AuthSwitchRequest("caching_sha2_password", Arrays.copyOf(NONCE, NONCE.length + 1))),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD)
                        .start("auto", "mysql_native_password", NativePassword.scramble("a-pass", NONCE), false));
    }

    @Test
    void fullAuthenticationOverTlsTakesTheClearPasswordAndCachesIt() {
        ClientAuthentication auth = startFullAuthentication();
        assertEquals(configured(SHA2), auth.next(CachingSha2Password.clearText("s-pass"), true));
        assertTrue(cache.contains(SHA2));
    }

    /** The password's own check (crypt, RSA) runs on the workers, its answer on the connection's loop. */
    @Test
    void fullAuthenticationRunsOnTheWorkersAndAnswersOnTheLoop() throws InterruptedException {
        ClientAuthentication auth = startFullAuthentication();
        List<String> where = new CopyOnWriteArrayList<>();
        BlockingQueue<AuthStep> answers = new LinkedBlockingQueue<>();
        ExecutorService workers = Executors.newSingleThreadExecutor(r -> new Thread(r, "worker"));
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop"));
        try {
            auth.next(
                    CachingSha2Password.clearText("s-pass"),
                    true,
                    task -> workers.execute(() -> {
                        where.add(Thread.currentThread().getName());
                        task.run();
                    }),
                    loop,
                    step -> {
                        where.add(Thread.currentThread().getName());
                        answers.add(step);
                    });
            assertEquals(configured(SHA2), answers.poll(10, TimeUnit.SECONDS));
            assertEquals(List.of("worker", "loop"), where);
        } finally {
            workers.shutdownNow();
            loop.shutdownNow();
        }
    }

    @Test
    void fullAuthenticationWithTheWorkersSaturatedIsRefusedAsTooManyConnections() {
        ClientAuthentication auth = startFullAuthentication();
        List<AuthStep> answers = new ArrayList<>();
        auth.next(
                CachingSha2Password.clearText("s-pass"),
                true,
                task -> {
                    throw new RejectedExecutionException("full");
                },
                Runnable::run,
                answers::add);
        assertEquals(1, answers.size());
        assertTrue(answers.get(0) instanceof AuthStep.Failure failure
                && failure.error().errorCode() == ProxyErrors.ER_CON_COUNT_ERROR);
    }

    @Test
    void fullAuthenticationOverTlsWithAWrongPasswordIsDeniedAndNotCached() {
        ClientAuthentication auth = startFullAuthentication();
        assertEquals(denied("sha2", true, "wrong password"), auth.next(CachingSha2Password.clearText("s-pas"), true));
        assertEquals(
                fullAuthRequest(),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD)
                        .start("sha2", "caching_sha2_password", CachingSha2Password.scramble("s-pass", NONCE), true));
    }

    @Test
    void fullAuthenticationWithoutTlsRefusesAClearPassword() {
        ClientAuthentication auth = startFullAuthentication();
        assertEquals(
                new AuthStep.Failure(
                        ProxyErrors.secureTransportRequired(),
                        "client sent a clear-text password over an insecure connection"),
                auth.next(CachingSha2Password.clearText("s-pass"), false));
    }

    @Test
    void fullAuthenticationWithoutTlsHandsOutTheRsaKeyAndTakesTheEncryptedPassword() {
        ClientAuthentication auth = startFullAuthentication();
        assertEquals(
                new AuthStep.Reply(new AuthMoreData(RSA.publicKeyPem().getBytes(StandardCharsets.US_ASCII))),
                auth.next(new byte[] {2}, false));
        byte[] encrypted = RsaPasswordCipher.encrypt("s-pass", NONCE, RSA.publicKey());
        assertEquals(configured(SHA2), auth.next(encrypted, false));
        assertTrue(cache.contains(SHA2));
    }

    @Test
    void rsaEncryptedWrongPasswordIsDenied() {
        ClientAuthentication auth = startFullAuthentication();
        auth.next(new byte[] {2}, false);
        assertEquals(
                denied("sha2", true, "wrong password"),
                auth.next(RsaPasswordCipher.encrypt("s-pas", NONCE, RSA.publicKey()), false));
    }

    @Test
    void rsaPayloadThatDoesNotDecryptIsDenied() {
        ClientAuthentication auth = startFullAuthentication();
        auth.next(new byte[] {2}, false);
        assertEquals(
                denied("sha2", true, "RSA-encrypted password could not be decrypted"), auth.next(new byte[256], false));
    }

    @Test
    void nextBeforeStartIsABug() {
        assertThrows(
                IllegalStateException.class,
                () -> exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD).next(new byte[0], false));
    }

    private ClientAuthentication startFullAuthentication() {
        ClientAuthentication auth = exchange(AuthPlugin.CACHING_SHA2_PASSWORD);
        assertEquals(
                fullAuthRequest(),
                auth.start("sha2", "caching_sha2_password", CachingSha2Password.scramble("s-pass", NONCE), false));
        return auth;
    }

    private static AuthStep fullAuthRequest() {
        return new AuthStep.Reply(new AuthMoreData(new byte[] {AuthMoreData.PERFORM_FULL_AUTHENTICATION}));
    }

    private static AuthStep denied(String user, boolean usingPassword, String reason) {
        return new AuthStep.Failure(ProxyErrors.accessDenied(user, HOST, usingPassword), reason);
    }

    /** A configured user in, logging in to backends with its configured password. */
    private static AuthStep configured(UserAccount user) {
        return new AuthStep.Success(user, BackendSecret.configured(user.password()));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

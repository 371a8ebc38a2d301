package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.mysqlproxy.protocol.packet.AuthMoreData;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Users learned from the servers' mysql.user, checked against the stored hashes. The native hash is MariaDB's
 * PASSWORD('password'); the caching_sha2 one was made on MySQL 9.7.4 under
 * --caching-sha2-password-digest-rounds=5000 with {@code CREATE USER ... IDENTIFIED WITH caching_sha2_password BY
 * 'secret'} (see proxy-protocol's CachingSha2HashTest).
 */
class LearnedAccountAuthenticationTest {

    private static final RsaKeys RSA = RsaKeys.generate();
    private static final byte[] NONCE = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
    private static final String HOST = "10.0.0.7";

    private static final byte[] NATIVE_HASH = ascii("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
    private static final byte[] SHA2_HASH = HexFormat.of()
            .parseHex("244124303035240B34523E3D6B0C6A272C4F6162116A4F57254F7970696E456349694353674F617162697538796648"
                    + "762E3550344D7363715543546D796259306D4E4C584739");

    private static final UserAccount NATIVE = learned("ln", "mysql_native_password", NATIVE_HASH, false, false);
    private static final UserAccount SHA2 = learned("ls", "caching_sha2_password", SHA2_HASH, false, false);
    private static final UserAccount LOCKED = learned("locked", "mysql_native_password", NATIVE_HASH, true, false);
    private static final UserAccount EXPIRED = learned("expired", "caching_sha2_password", SHA2_HASH, false, true);
    private static final UserAccount ED25519 =
            learned("ed", "ed25519", ascii("ZIgUREUg5PVgQ6LskhXmO+eZLS0nC8be6HPjYWR4YJY"), false, false);
    private static final UserAccount OPEN = learned("open", "caching_sha2_password", new byte[0], false, false);

    private final Sha2AuthCache cache = new Sha2AuthCache();
    private Map<String, UserAccount> users =
            Map.of("ln", NATIVE, "ls", SHA2, "locked", LOCKED, "expired", EXPIRED, "ed", ED25519, "open", OPEN);

    @Test
    void nativeRightPasswordGivesStage1AsTheBackendSecret() throws Exception {
        AuthStep step = exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                .start("ln", "mysql_native_password", NativePassword.scramble("password", NONCE), false);
        assertEquals(new AuthStep.Success(NATIVE, BackendSecret.nativeStage1(sha1("password"))), step);
    }

    @Test
    void nativeWrongPasswordIsDenied() {
        assertEquals(
                denied("ln", true, "wrong password"),
                exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                        .start("ln", "mysql_native_password", NativePassword.scramble("Password", NONCE), false));
        assertEquals(
                denied("ln", false, "wrong password"),
                exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD).start("ln", "mysql_native_password", new byte[0], false));
    }

    /** MySQL checks the lock after the password: a wrong one is 1045 as for anyone, a right one 3118. */
    @Test
    void lockedAccountIsRefusedAfterTheRightPasswordOnly() {
        assertEquals(
                denied("locked", true, "wrong password"),
                exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                        .start("locked", "mysql_native_password", NativePassword.scramble("wrong", NONCE), false));
        AuthStep step = exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                .start("locked", "mysql_native_password", NativePassword.scramble("password", NONCE), false);
        assertEquals(new AuthStep.Failure(ProxyErrors.accountLocked("locked", HOST), "account is locked"), step);
        assertEquals(3118, ((AuthStep.Failure) step).error().errorCode());
        assertEquals(
                "Access denied for user 'locked'@'10.0.0.7'. Account is locked.",
                ((AuthStep.Failure) step).error().message());
    }

    @Test
    void expiredPasswordIsRefusedWith1862AfterFullAuthentication() {
        ClientAuthentication auth = exchange(AuthPlugin.CACHING_SHA2_PASSWORD);
        assertEquals(
                fullAuthRequest(),
                auth.start("expired", "caching_sha2_password", CachingSha2Password.scramble("secret", NONCE), true));
        AuthStep step = auth.next(CachingSha2Password.clearText("secret"), true);
        assertEquals(new AuthStep.Failure(ProxyErrors.passwordExpired(), "password expired"), step);
        assertEquals(1862, ((AuthStep.Failure) step).error().errorCode());
    }

    /** As MySQL: without a cache entry even the right scramble is asked for the password in full. */
    @Test
    void cachingSha2WithoutCacheEntryAsksForFullAuthentication() {
        assertEquals(
                fullAuthRequest(),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD)
                        .start("ls", "caching_sha2_password", CachingSha2Password.scramble("secret", NONCE), false));
    }

    @Test
    void fullAuthenticationOverTlsChecksTheStoredHashCachesAndKeepsThePassword() {
        ClientAuthentication auth = exchange(AuthPlugin.CACHING_SHA2_PASSWORD);
        auth.start("ls", "caching_sha2_password", CachingSha2Password.scramble("secret", NONCE), true);
        assertEquals(
                new AuthStep.Success(SHA2, BackendSecret.learnedPassword(utf8("secret"))),
                auth.next(CachingSha2Password.clearText("secret"), true));
        assertTrue(cache.contains(SHA2));
    }

    @Test
    void fullAuthenticationOverRsaChecksTheStoredHash() {
        ClientAuthentication auth = exchange(AuthPlugin.CACHING_SHA2_PASSWORD);
        auth.start("ls", "caching_sha2_password", CachingSha2Password.scramble("secret", NONCE), false);
        assertEquals(
                new AuthStep.Reply(new AuthMoreData(RSA.publicKeyPem().getBytes(StandardCharsets.US_ASCII))),
                auth.next(new byte[] {2}, false));
        assertEquals(
                new AuthStep.Success(SHA2, BackendSecret.learnedPassword(utf8("secret"))),
                auth.next(RsaPasswordCipher.encrypt("secret", NONCE, RSA.publicKey()), false));
        assertTrue(cache.contains(SHA2));
    }

    @Test
    void fullAuthenticationWithAWrongPasswordIsDeniedAndNotCached() {
        ClientAuthentication auth = exchange(AuthPlugin.CACHING_SHA2_PASSWORD);
        auth.start("ls", "caching_sha2_password", CachingSha2Password.scramble("secret", NONCE), true);
        assertEquals(denied("ls", true, "wrong password"), auth.next(CachingSha2Password.clearText("Secret"), true));
        assertFalse(cache.contains(SHA2));
    }

    @Test
    void cachedAccountTakesTheFastPathWithTheCachedPasswordAsSecret() {
        cache.remember(SHA2, utf8("secret"));
        assertEquals(
                new AuthStep.ReplyThenSuccess(
                        new AuthMoreData(new byte[] {AuthMoreData.FAST_AUTH_SUCCESS}),
                        SHA2,
                        BackendSecret.learnedPassword(utf8("secret"))),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD)
                        .start("ls", "caching_sha2_password", CachingSha2Password.scramble("secret", NONCE), false));
    }

    /** MySQL answers a failed fast path with a request for the password, not with a denial. */
    @Test
    void wrongScrambleForACachedAccountAsksForFullAuthentication() {
        cache.remember(SHA2, utf8("secret"));
        assertEquals(
                fullAuthRequest(),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD)
                        .start("ls", "caching_sha2_password", CachingSha2Password.scramble("other", NONCE), false));
    }

    /** ALTER USER ... IDENTIFIED BY: the account's new authentication string never meets the old entry. */
    @Test
    void changedAuthenticationStringInvalidatesTheCacheEntry() {
        cache.remember(SHA2, utf8("secret"));
        byte[] changed = SHA2_HASH.clone();
        changed[changed.length - 1] ^= 1;
        users = Map.of("ls", learned("ls", "caching_sha2_password", changed, false, false));
        assertEquals(
                fullAuthRequest(),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD)
                        .start("ls", "caching_sha2_password", CachingSha2Password.scramble("secret", NONCE), false));
    }

    /** DROP USER: the loader's retainOnly after a refresh removes the entry. */
    @Test
    void droppedAccountLosesItsCacheEntry() {
        cache.remember(SHA2, utf8("secret"));
        cache.retainOnly(List.of(NATIVE.serverAccount().orElseThrow()));
        assertFalse(cache.contains(SHA2));
    }

    @Test
    void emptyStoredPasswordTakesAnEmptyResponseOnly() {
        assertEquals(
                new AuthStep.Success(OPEN, BackendSecret.learnedPassword(new byte[0])),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD).start("open", "caching_sha2_password", new byte[0], false));
        assertEquals(
                denied("ls", false, "wrong password"),
                exchange(AuthPlugin.CACHING_SHA2_PASSWORD).start("ls", "caching_sha2_password", new byte[0], false));
    }

    @Test
    void accountOnAPluginTheProxyDoesNotSpeakIsRefusedNamingIt() {
        AuthStep step = exchange(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                .start("ed", "mysql_native_password", NativePassword.scramble("password", NONCE), false);
        AuthStep.Failure failure = (AuthStep.Failure) step;
        assertEquals(ProxyErrors.pluginNotLoaded("ed25519"), failure.error());
        assertEquals(1524, failure.error().errorCode());
        assertTrue(failure.reason().contains("ed25519"), failure.reason());
    }

    /** An unknown user with learned decoys gets what a known caching_sha2 account without entry gets, then 1045. */
    @Test
    void unknownUserIsAskedForThePasswordLikeAKnownOneThenDenied() {
        ClientAuthentication auth = learnedDecoys(AuthPlugin.CACHING_SHA2_PASSWORD);
        assertEquals(
                fullAuthRequest(),
                auth.start("nobody", "caching_sha2_password", CachingSha2Password.scramble("secret", NONCE), true));
        assertEquals(denied("nobody", true, "unknown user"), auth.next(CachingSha2Password.clearText("secret"), true));
        assertEquals(
                denied("nobody", true, "unknown user"),
                learnedDecoys(AuthPlugin.MYSQL_NATIVE_PASSWORD)
                        .start("nobody", "mysql_native_password", NativePassword.scramble("password", NONCE), false));
    }

    private ClientAuthentication exchange(AuthPlugin serverDefault) {
        Function<String, Optional<UserAccount>> lookup = name -> Optional.ofNullable(users.get(name));
        return new ClientAuthentication(lookup, cache, RSA, NONCE, HOST, serverDefault);
    }

    private ClientAuthentication learnedDecoys(AuthPlugin plugin) {
        Function<String, Optional<UserAccount>> lookup = name -> Optional.ofNullable(users.get(name));
        return new ClientAuthentication(lookup, cache, RSA, NONCE, HOST, plugin, List.of(plugin), true);
    }

    private static UserAccount learned(String user, String plugin, byte[] hash, boolean locked, boolean expired) {
        return UserAccount.fromServer(new ServerAccount(user, "%", plugin, hash, locked, expired), Optional.empty());
    }

    private static AuthStep fullAuthRequest() {
        return new AuthStep.Reply(new AuthMoreData(new byte[] {AuthMoreData.PERFORM_FULL_AUTHENTICATION}));
    }

    private static AuthStep denied(String user, boolean usingPassword, String reason) {
        return new AuthStep.Failure(ProxyErrors.accessDenied(user, HOST, usingPassword), reason);
    }

    private static byte[] sha1(String password) throws Exception {
        return MessageDigest.getInstance("SHA-1").digest(utf8(password));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}

package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The proxy's caching_sha2_password cache: keys, fast-path checks, invalidation and bound. */
class Sha2AuthCacheTest {

    private static final byte[] NONCE = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);

    @Test
    void fastAuthenticationChecksTheScrambleAndGivesThePasswordBack() {
        Sha2AuthCache cache = new Sha2AuthCache();
        UserAccount app = learned("app", "%", "$A$005$hash-one");
        cache.remember(app, utf8("pw"));
        assertArrayEquals(
                utf8("pw"),
                cache.fastAuthenticate(app, NONCE, CachingSha2Password.scramble("pw", NONCE))
                        .orElseThrow());
        assertTrue(cache.fastAuthenticate(app, NONCE, CachingSha2Password.scramble("px", NONCE))
                .isEmpty());
    }

    /** The same user name on another host pattern is another account, with its own entry. */
    @Test
    void entriesAreKeyedByUserHostAndAuthenticationString() {
        Sha2AuthCache cache = new Sha2AuthCache();
        cache.remember(learned("app", "%", "$A$005$hash-one"), utf8("pw"));
        assertTrue(cache.contains(learned("app", "%", "$A$005$hash-one")));
        assertFalse(cache.contains(learned("app", "10.%", "$A$005$hash-one")));
        assertFalse(cache.contains(learned("app", "%", "$A$005$hash-two")));
        assertFalse(cache.contains(new UserAccount("app", "pw", Optional.of(AuthPlugin.CACHING_SHA2_PASSWORD))));
    }

    @Test
    void retainOnlyDropsLearnedAccountsThatAreGoneAndKeepsConfiguredUsers() {
        Sha2AuthCache cache = new Sha2AuthCache();
        UserAccount kept = learned("kept", "%", "$A$005$kept");
        UserAccount dropped = learned("dropped", "%", "$A$005$dropped");
        UserAccount changed = learned("changed", "%", "$A$005$old");
        UserAccount configured = new UserAccount("conf", "pw", Optional.of(AuthPlugin.CACHING_SHA2_PASSWORD));
        for (UserAccount user : List.of(kept, dropped, changed, configured)) {
            cache.remember(user, utf8("pw"));
        }
        cache.retainOnly(List.of(
                kept.serverAccount().orElseThrow(),
                learned("changed", "%", "$A$005$new").serverAccount().orElseThrow()));
        assertTrue(cache.contains(kept));
        assertFalse(cache.contains(dropped));
        assertFalse(cache.contains(changed));
        assertTrue(cache.contains(configured));
        assertEquals(2, cache.size());
    }

    @Test
    void theLeastRecentlyUsedEntryGoesPastTheBound() {
        Sha2AuthCache cache = new Sha2AuthCache(2);
        UserAccount a = learned("a", "%", "$A$005$a");
        UserAccount b = learned("b", "%", "$A$005$b");
        UserAccount c = learned("c", "%", "$A$005$c");
        cache.remember(a, utf8("pw"));
        cache.remember(b, utf8("pw"));
        assertTrue(cache.contains(a)); // a is now more recent than b
        cache.remember(c, utf8("pw"));
        assertEquals(2, cache.size());
        assertTrue(cache.contains(a));
        assertFalse(cache.contains(b));
        assertTrue(cache.contains(c));
    }

    /** A key holds the verifier as bytes: no String built from a stored hash or a password digest. */
    @Test
    void keysHoldNoStringBesidesTheAccountsName() throws ReflectiveOperationException {
        Sha2AuthCache cache = new Sha2AuthCache();
        cache.remember(learned("app", "%", "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"), utf8("pw"));
        cache.remember(new UserAccount("conf", "pw", Optional.of(AuthPlugin.CACHING_SHA2_PASSWORD)), utf8("pw"));
        for (Object key : entries(cache).keySet()) {
            for (RecordComponent component : key.getClass().getRecordComponents()) {
                Method accessor = component.getAccessor();
                accessor.setAccessible(true);
                Object value = accessor.invoke(key);
                if (value instanceof String text) {
                    assertTrue(Set.of("app", "conf", "%").contains(text), component.getName() + " is " + text);
                }
            }
        }
    }

    /** A password leaving the cache, by eviction, replacement or retainOnly, is zeroed, not left to the GC. */
    @Test
    void passwordsLeavingTheCacheAreZeroed() throws ReflectiveOperationException {
        Sha2AuthCache cache = new Sha2AuthCache(1);
        UserAccount a = learned("a", "%", "$A$005$a");
        cache.remember(a, utf8("first"));
        byte[] first = storedPasswords(cache).get(0);
        cache.remember(a, utf8("again"));
        byte[] again = storedPasswords(cache).get(0);
        cache.remember(learned("b", "%", "$A$005$b"), utf8("evicts"));
        byte[] evicts = storedPasswords(cache).get(0);
        cache.retainOnly(List.of());
        assertEquals(0, cache.size());
        for (byte[] password : List.of(first, again, evicts)) {
            assertArrayEquals(new byte[password.length], password);
        }
    }

    private static Map<?, ?> entries(Sha2AuthCache cache) throws ReflectiveOperationException {
        Field field = Sha2AuthCache.class.getDeclaredField("entries");
        field.setAccessible(true);
        return (Map<?, ?>) field.get(cache);
    }

    /** The cache's own password arrays, in entry order. */
    private static List<byte[]> storedPasswords(Sha2AuthCache cache) throws ReflectiveOperationException {
        List<byte[]> passwords = new ArrayList<>();
        for (Object entry : entries(cache).values()) {
            Method password = entry.getClass().getDeclaredMethod("password");
            password.setAccessible(true);
            passwords.add((byte[]) password.invoke(entry));
        }
        return passwords;
    }

    @Test
    void toStringShowsNoPassword() {
        Sha2AuthCache cache = new Sha2AuthCache();
        cache.remember(learned("a", "%", "$A$005$a"), utf8("hunter2"));
        assertEquals("Sha2AuthCache[1 entries]", cache.toString());
    }

    private static UserAccount learned(String user, String host, String authenticationString) {
        return UserAccount.fromServer(
                new ServerAccount(user, host, "caching_sha2_password", utf8(authenticationString), false, false),
                Optional.empty());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

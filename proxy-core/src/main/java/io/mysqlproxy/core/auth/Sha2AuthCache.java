package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.protocol.auth.CachingSha2Password;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * caching_sha2_password's server-side cache, as MySQL keeps it: an account that has once completed full
 * authentication (over TLS or RSA) may use the fast scramble path afterwards. An entry holds SHA256(SHA256(
 * password)), to check fast-path scrambles, and the password's bytes, for a learned account's backend logins.
 *
 * <p>An entry is keyed by the account and what the servers store to check its password (a configured user:
 * by a digest of the configured password), so a changed password or a re-created account never meets an old
 * entry; {@link #retainOnly} drops the entries of learned accounts that are gone. The least recently used
 * entries go first past {@code maxEntries}.
 */
public final class Sha2AuthCache {

    public static final int DEFAULT_MAX_ENTRIES = 10_000;

    /** {@code host}: the learned account's host pattern, null for a configured user. */
    private record Key(String user, String host, Verifier verifier) {}

    /**
     * What the servers keep to check the password, as bytes: never a String, which would put a derived
     * secret (a stage-2 hash gives stage 1 with one sniffed handshake) in the heap's strings, where
     * nothing can zero it. The bytes are a private copy, compared by content.
     */
    private static final class Verifier {
        private final byte[] bytes;

        Verifier(byte[] bytes) {
            this.bytes = bytes.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Verifier that && Arrays.equals(bytes, that.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Verifier[" + bytes.length + " bytes]";
        }
    }

    private record Entry(byte[] cacheDigest, byte[] password) {
        /** An entry leaving the cache takes its cleartext with it. */
        void forget() {
            Arrays.fill(password, (byte) 0);
        }
    }

    private final int maxEntries;
    private final LinkedHashMap<Key, Entry> entries;

    public Sha2AuthCache() {
        this(DEFAULT_MAX_ENTRIES);
    }

    public Sha2AuthCache(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive");
        }
        this.maxEntries = maxEntries;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
                boolean evict = size() > Sha2AuthCache.this.maxEntries;
                if (evict) {
                    eldest.getValue().forget();
                }
                return evict;
            }
        };
    }

    /** Whether {@code user} has completed a full authentication with its current password. */
    public synchronized boolean contains(UserAccount user) {
        return entries.get(key(user)) != null; // get, not containsKey: a use keeps the entry recent
    }

    /**
     * The password's bytes when {@code user} has an entry and {@code response} is the fast-path scramble of
     * that password for {@code nonce}; empty otherwise (no entry, or a wrong scramble).
     */
    public Optional<byte[]> fastAuthenticate(UserAccount user, byte[] nonce, byte[] response) {
        Key key = key(user);
        // Under the lock: an entry evicted or replaced meanwhile has its password zeroed.
        synchronized (this) {
            Entry entry = entries.get(key);
            if (entry == null || !CachingSha2Password.verifyAgainstCache(entry.cacheDigest, nonce, response)) {
                return Optional.empty();
            }
            return Optional.of(entry.password.clone());
        }
    }

    /** After {@code user}'s full authentication with {@code password} (its bytes as sent). */
    public void remember(UserAccount user, byte[] password) {
        Entry entry = new Entry(CachingSha2Password.cacheDigest(password), password.clone());
        Key key = key(user);
        Entry replaced;
        synchronized (this) {
            replaced = entries.put(key, entry);
        }
        if (replaced != null) {
            replaced.forget();
        }
    }

    /** Drops the entries of learned accounts not in {@code present} (as read from the servers now). */
    public void retainOnly(Collection<ServerAccount> present) {
        Set<Key> keep = present.stream().map(Sha2AuthCache::key).collect(Collectors.toSet());
        synchronized (this) {
            entries.entrySet().removeIf(e -> {
                boolean drop = e.getKey().host() != null && !keep.contains(e.getKey());
                if (drop) {
                    e.getValue().forget();
                }
                return drop;
            });
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    private static Key key(UserAccount user) {
        return user.serverAccount()
                .map(Sha2AuthCache::key)
                .orElseGet(() -> new Key(
                        user.name(),
                        null,
                        new Verifier(
                                CachingSha2Password.cacheDigest(user.password().getBytes(StandardCharsets.UTF_8)))));
    }

    private static Key key(ServerAccount account) {
        return new Key(account.user(), account.host(), new Verifier(account.authenticationString()));
    }

    @Override
    public String toString() {
        return "Sha2AuthCache[" + size() + " entries]";
    }
}

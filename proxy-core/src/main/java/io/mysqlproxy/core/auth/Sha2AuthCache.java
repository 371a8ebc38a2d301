package io.mysqlproxy.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * caching_sha2_password's server-side cache, as MySQL keeps it: a user who has once completed
 * full authentication (over TLS or RSA) may use the fast scramble path afterwards. Entries are
 * bound to a hash of the password, so a changed password needs full authentication again.
 */
public final class Sha2AuthCache {

    private final ConcurrentHashMap<String, byte[]> entries = new ConcurrentHashMap<>();

    public boolean contains(String user, String password) {
        byte[] cached = entries.get(user);
        return cached != null && MessageDigest.isEqual(cached, fingerprint(password));
    }

    public void remember(String user, String password) {
        entries.put(user, fingerprint(password));
    }

    private static byte[] fingerprint(String password) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return sha256.digest(sha256.digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

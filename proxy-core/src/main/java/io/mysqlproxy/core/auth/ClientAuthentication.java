package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.mysqlproxy.protocol.packet.AuthMoreData;
import io.mysqlproxy.protocol.packet.AuthSwitchRequest;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The proxy as a server checking one client's password, as MySQL does: the plugin named in the
 * greeting, an auth switch when the account uses another, and caching_sha2_password's fast path
 * or full authentication (clear text over TLS, or RSA-encrypted with the proxy's public key).
 * No I/O: the handshake handler sends what each {@link AuthStep} says.
 *
 * <p>An unknown user is checked as a decoy account with a random password, as MySQL does: it gets
 * the auth switch a known user would get (one of the configured users' plugins, the same for a
 * name every time), the same hashing work and the same error 1045, so that neither the packets
 * nor their timing tell which user names exist.
 */
public final class ClientAuthentication {

    private enum Phase {
        INITIAL,
        SWITCHED,
        FULL_AUTH,
        RSA
    }

    private static final byte REQUEST_PUBLIC_KEY = 2;
    /** Per process: what decoys are checked against, and the key that picks a decoy's plugin. */
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final String DECOY_PASSWORD = new BigInteger(160, RANDOM).toString(36);
    private static final byte[] DECOY_KEY = new byte[32];

    static {
        RANDOM.nextBytes(DECOY_KEY);
    }

    private final Function<String, Optional<UserAccount>> users;
    private final Sha2AuthCache cache;
    private final RsaKeys rsaKeys;
    private final byte[] nonce;
    private final String clientHost;
    private final AuthPlugin serverDefault;
    private final List<AuthPlugin> decoyPlugins;
    private Phase phase = Phase.INITIAL;
    private UserAccount user;
    private boolean known;
    private AuthPlugin plugin;

    public ClientAuthentication(
            Function<String, Optional<UserAccount>> users,
            Sha2AuthCache cache,
            RsaKeys rsaKeys,
            byte[] nonce,
            String clientHost,
            AuthPlugin serverDefault) {
        this(users, cache, rsaKeys, nonce, clientHost, serverDefault, List.of(serverDefault));
    }

    /** {@code decoyPlugins}: the plugins configured users are checked with, for unknown users to get one of. */
    public ClientAuthentication(
            Function<String, Optional<UserAccount>> users,
            Sha2AuthCache cache,
            RsaKeys rsaKeys,
            byte[] nonce,
            String clientHost,
            AuthPlugin serverDefault,
            List<AuthPlugin> decoyPlugins) {
        if (decoyPlugins.isEmpty()) {
            throw new IllegalArgumentException("no plugin for unknown users");
        }
        this.decoyPlugins = List.copyOf(decoyPlugins);
        this.users = users;
        this.cache = cache;
        this.rsaKeys = rsaKeys;
        this.nonce = nonce.clone();
        this.clientHost = clientHost;
        this.serverDefault = serverDefault;
    }

    /**
     * The plugin {@code account} is configured for on the servers ("auto": the primary's default, as this
     * exchange learnt it), the only one the proxy then answers a server with.
     */
    public AuthPlugin backendPlugin(UserAccount account) {
        return account.backendPluginOr(serverDefault);
    }

    /** The first answer: the user name, the plugin the client used, and its auth response. */
    public AuthStep start(String userName, String clientPlugin, byte[] response, boolean secure) {
        Optional<UserAccount> account = users.apply(userName);
        known = account.isPresent();
        AuthPlugin decoyPlugin = decoyPlugin(userName); // for known users too: the same work either way
        if (known) {
            user = account.get();
            plugin = user.pluginOr(serverDefault);
        } else {
            user = new UserAccount(userName, DECOY_PASSWORD, Optional.empty());
            plugin = decoyPlugin;
        }
        if (!plugin.wireName().equals(clientPlugin)) {
            phase = Phase.SWITCHED;
            return new AuthStep.Reply(new AuthSwitchRequest(plugin.wireName(), withNul(nonce)));
        }
        return verify(response, secure);
    }

    /** A later auth packet from the client. */
    public AuthStep next(byte[] data, boolean secure) {
        return switch (phase) {
            case SWITCHED -> verify(data, secure);
            case FULL_AUTH -> fullAuthentication(data, secure);
            case RSA -> rsaPassword(data);
            case INITIAL -> throw new IllegalStateException("start() first");
        };
    }

    private AuthStep verify(byte[] response, boolean secure) {
        if (plugin == AuthPlugin.MYSQL_NATIVE_PASSWORD) {
            return NativePassword.verify(user.password(), nonce, response) && known
                    ? new AuthStep.Success(user)
                    : denied(user.name(), response.length > 0, wrongPassword());
        }
        if (user.password().isEmpty() && response.length == 0) {
            return new AuthStep.Success(user);
        }
        if (!CachingSha2Password.verify(user.password(), nonce, response) || !known) {
            return denied(user.name(), response.length > 0, wrongPassword());
        }
        if (cache.contains(user.name(), user.password())) {
            return new AuthStep.ReplyThenSuccess(new AuthMoreData(new byte[] {AuthMoreData.FAST_AUTH_SUCCESS}), user);
        }
        // Not in the cache yet: like MySQL, insist on the password itself once, over TLS or RSA.
        phase = Phase.FULL_AUTH;
        return new AuthStep.Reply(new AuthMoreData(new byte[] {AuthMoreData.PERFORM_FULL_AUTHENTICATION}));
    }

    private AuthStep fullAuthentication(byte[] data, boolean secure) {
        if (secure) {
            return checkPassword(CachingSha2Password.fromClearText(data));
        }
        if (data.length == 1 && data[0] == REQUEST_PUBLIC_KEY) {
            phase = Phase.RSA;
            return new AuthStep.Reply(new AuthMoreData(rsaKeys.publicKeyPem().getBytes(StandardCharsets.US_ASCII)));
        }
        return new AuthStep.Failure(
                ProxyErrors.secureTransportRequired(), "client sent a clear-text password over an insecure connection");
    }

    private AuthStep rsaPassword(byte[] encrypted) {
        try {
            return checkPassword(RsaPasswordCipher.decrypt(encrypted, nonce, rsaKeys.privateKey()));
        } catch (GeneralSecurityException e) {
            return denied(user.name(), true, "RSA-encrypted password could not be decrypted");
        }
    }

    /**
     * The plugin an unknown {@code name} gets, the same every time: picked by a keyed hash, so that
     * no one can predict it and tell a known user's configured plugin from a decoy's.
     */
    private AuthPlugin decoyPlugin(String name) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(DECOY_KEY);
            byte[] digest = sha.digest(name.getBytes(StandardCharsets.UTF_8));
            int pick = (digest[0] & 0xff) << 24 | (digest[1] & 0xff) << 16 | (digest[2] & 0xff) << 8 | digest[3] & 0xff;
            return decoyPlugins.get(Math.floorMod(pick, decoyPlugins.size()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** For the log only: the client never learns which. */
    private String wrongPassword() {
        return known ? "wrong password" : "unknown user";
    }

    private AuthStep checkPassword(String password) {
        byte[] expected = user.password().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, password.getBytes(StandardCharsets.UTF_8))) {
            return denied(user.name(), true, "wrong password");
        }
        cache.remember(user.name(), user.password());
        return new AuthStep.Success(user);
    }

    private AuthStep denied(String name, boolean usingPassword, String reason) {
        return new AuthStep.Failure(ProxyErrors.accessDenied(name, clientHost, usingPassword), reason);
    }

    private static byte[] withNul(byte[] bytes) {
        return Arrays.copyOf(bytes, bytes.length + 1);
    }
}

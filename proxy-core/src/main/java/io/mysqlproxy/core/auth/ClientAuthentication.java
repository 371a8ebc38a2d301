package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Hash;
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
import java.util.HexFormat;
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
 * nor their timing tell which user names exist. With {@code learnedDecoys}, a decoy is checked as an
 * account learned from the servers with a random stored hash, as the known users then are.
 *
 * <p>A user learned from the servers ({@link UserAccount#serverAccount()}) is checked against the
 * account's stored authentication string: mysql_native_password's stage 2, from which a correct
 * response also gives stage 1, the proxy's secret for the backends; caching_sha2_password's SHA-256
 * crypt, on full authentication, whose password is then cached for the fast path and the backends.
 * After a correct password, a locked account is refused with 3118 and an expired one with 1862, in
 * MySQL's order. An account whose plugin the proxy does not speak is refused with 1524, naming it.
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

    /** Stored hashes no password matches (nobody knows one that does), for learned-style decoys. */
    private static final byte[] DECOY_NATIVE_HASH = decoyNativeHash();

    private static final byte[] DECOY_SHA2_HASH = decoySha2Hash();

    private final Function<String, Optional<UserAccount>> users;
    private final Sha2AuthCache cache;
    private final RsaKeys rsaKeys;
    private final byte[] nonce;
    private final String clientHost;
    private final AuthPlugin serverDefault;
    private final List<AuthPlugin> decoyPlugins;
    private final boolean learnedDecoys;
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
        this(users, cache, rsaKeys, nonce, clientHost, serverDefault, decoyPlugins, false);
    }

    /**
     * {@code learnedDecoys}: the known users are learned from the servers, so unknown ones are checked as
     * learned accounts too (caching_sha2_password asks them for the full password, as it asks a known
     * account it has no cache entry for).
     */
    public ClientAuthentication(
            Function<String, Optional<UserAccount>> users,
            Sha2AuthCache cache,
            RsaKeys rsaKeys,
            byte[] nonce,
            String clientHost,
            AuthPlugin serverDefault,
            List<AuthPlugin> decoyPlugins,
            boolean learnedDecoys) {
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
        this.learnedDecoys = learnedDecoys;
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
            Optional<ServerAccount> learned = user.serverAccount();
            if (learned.isPresent() && !speaks(user.authPlugin())) {
                return new AuthStep.Failure(
                        ProxyErrors.pluginNotLoaded(learned.get().plugin()),
                        "account " + learned.get() + " uses an authentication plugin mysql-proxy does not speak");
            }
            plugin = user.pluginOr(serverDefault);
        } else {
            user = decoy(userName, decoyPlugin);
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
        if (user.serverAccount().isPresent()) {
            return plugin == AuthPlugin.MYSQL_NATIVE_PASSWORD
                    ? verifyLearnedNative(response)
                    : verifyLearnedSha2(response);
        }
        BackendSecret secret = BackendSecret.configured(user.password());
        if (plugin == AuthPlugin.MYSQL_NATIVE_PASSWORD) {
            return NativePassword.verify(user.password(), nonce, response) && known
                    ? new AuthStep.Success(user, secret)
                    : denied(user.name(), response.length > 0, wrongPassword());
        }
        if (user.password().isEmpty() && response.length == 0) {
            return new AuthStep.Success(user, secret);
        }
        if (!CachingSha2Password.verify(user.password(), nonce, response) || !known) {
            return denied(user.name(), response.length > 0, wrongPassword());
        }
        if (cache.contains(user)) {
            return new AuthStep.ReplyThenSuccess(fastAuthSuccess(), user, secret);
        }
        // Not in the cache yet: like MySQL, insist on the password itself once, over TLS or RSA.
        phase = Phase.FULL_AUTH;
        return new AuthStep.Reply(new AuthMoreData(new byte[] {AuthMoreData.PERFORM_FULL_AUTHENTICATION}));
    }

    /** Stage 2 checks the response; the response gives stage 1, the backends' secret. */
    private AuthStep verifyLearnedNative(byte[] response) {
        byte[] stored = user.serverAccount().orElseThrow().authenticationString();
        if (stored.length == 0) {
            return response.length == 0 && known
                    ? admitted(null, BackendSecret.learnedPassword(new byte[0]))
                    : denied(user.name(), response.length > 0, wrongPassword());
        }
        Optional<byte[]> stage2 = NativePassword.parseStage2(stored);
        if (stage2.isEmpty()) {
            return denied(
                    user.name(), response.length > 0, "stored authentication string is not mysql_native_password's");
        }
        Optional<byte[]> stage1 = NativePassword.recoverStage1(stage2.get(), nonce, response);
        return stage1.isPresent() && known
                ? admitted(null, BackendSecret.nativeStage1(stage1.get()))
                : denied(user.name(), response.length > 0, wrongPassword());
    }

    /**
     * As MySQL's caching_sha2_password: the fast path only with a cache entry of this very account and
     * password; a miss or a wrong scramble asks for the password in full, which is checked against the
     * stored SHA-256 crypt.
     */
    private AuthStep verifyLearnedSha2(byte[] response) {
        byte[] stored = user.serverAccount().orElseThrow().authenticationString();
        if (response.length == 0 || (response.length == 1 && response[0] == 0)) {
            return stored.length == 0 && known
                    ? admitted(null, BackendSecret.learnedPassword(new byte[0]))
                    : denied(user.name(), false, wrongPassword());
        }
        Optional<byte[]> cached = cache.fastAuthenticate(user, nonce, response);
        if (cached.isPresent() && known) {
            return admitted(fastAuthSuccess(), BackendSecret.learnedPassword(cached.get()));
        }
        phase = Phase.FULL_AUTH;
        return new AuthStep.Reply(new AuthMoreData(new byte[] {AuthMoreData.PERFORM_FULL_AUTHENTICATION}));
    }

    private AuthStep fullAuthentication(byte[] data, boolean secure) {
        if (secure) {
            return checkPassword(CachingSha2Password.passwordBytes(data));
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
            return checkPassword(RsaPasswordCipher.decryptBytes(encrypted, nonce, rsaKeys.privateKey()));
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

    /** {@code password}: the bytes the client sent in full. */
    private AuthStep checkPassword(byte[] password) {
        Optional<ServerAccount> learned = user.serverAccount();
        if (learned.isPresent()) {
            byte[] stored = learned.get().authenticationString();
            boolean matches = stored.length == 0
                    ? password.length == 0
                    : CachingSha2Hash.parse(stored)
                            .map(hash -> hash.matches(password))
                            .orElse(false);
            if (!matches || !known) {
                return denied(user.name(), true, wrongPassword());
            }
            cache.remember(user, password);
            return admitted(null, BackendSecret.learnedPassword(password));
        }
        byte[] expected = user.password().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, password)) {
            return denied(user.name(), true, "wrong password");
        }
        cache.remember(user, password);
        return new AuthStep.Success(user, BackendSecret.configured(user.password()));
    }

    /**
     * A learned account whose password was right: refused if locked (3118), then if its password expired
     * (1862), as MySQL checks after the plugin; else in, after {@code reply} if there is one.
     */
    private AuthStep admitted(AuthMoreData reply, BackendSecret secret) {
        ServerAccount account = user.serverAccount().orElseThrow();
        if (account.locked()) {
            return new AuthStep.Failure(ProxyErrors.accountLocked(user.name(), clientHost), "account is locked");
        }
        if (account.passwordExpired()) {
            return new AuthStep.Failure(ProxyErrors.passwordExpired(), "password expired");
        }
        return reply == null ? new AuthStep.Success(user, secret) : new AuthStep.ReplyThenSuccess(reply, user, secret);
    }

    private static AuthMoreData fastAuthSuccess() {
        return new AuthMoreData(new byte[] {AuthMoreData.FAST_AUTH_SUCCESS});
    }

    /** Native and caching_sha2 only: the proxy never checks a client with mysql_clear_password. */
    private static boolean speaks(Optional<AuthPlugin> plugin) {
        return plugin.filter(p -> p != AuthPlugin.MYSQL_CLEAR_PASSWORD).isPresent();
    }

    /** An unknown user: a configured-style account with a random password, or a learned one with a random hash. */
    private UserAccount decoy(String name, AuthPlugin decoyPlugin) {
        if (!learnedDecoys) {
            return new UserAccount(name, DECOY_PASSWORD, Optional.empty());
        }
        byte[] hash = decoyPlugin == AuthPlugin.MYSQL_NATIVE_PASSWORD ? DECOY_NATIVE_HASH : DECOY_SHA2_HASH;
        return UserAccount.fromServer(
                new ServerAccount(name, "%", decoyPlugin.wireName(), hash, false, false), Optional.empty());
    }

    private static byte[] decoyNativeHash() {
        byte[] stage2 = new byte[NativePassword.HASH_LENGTH];
        RANDOM.nextBytes(stage2);
        return ("*" + HexFormat.of().withUpperCase().formatHex(stage2)).getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code $A$005$}, 20 salt characters and 43 hash characters, all random from the crypt alphabet. */
    private static byte[] decoySha2Hash() {
        String alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        StringBuilder out = new StringBuilder("$A$005$");
        for (int i = 0; i < 20 + 43; i++) {
            out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private AuthStep denied(String name, boolean usingPassword, String reason) {
        return new AuthStep.Failure(ProxyErrors.accessDenied(name, clientHost, usingPassword), reason);
    }

    private static byte[] withNul(byte[] bytes) {
        return Arrays.copyOf(bytes, bytes.length + 1);
    }
}

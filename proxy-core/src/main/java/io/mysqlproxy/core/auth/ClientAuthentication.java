package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.error.LogText;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Hash;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.mysqlproxy.protocol.packet.AuthMoreData;
import io.mysqlproxy.protocol.packet.AuthSwitchRequest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
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
 * nor their timing tell which user names exist ({@link DecoyAccounts}).
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

    private final Function<String, Optional<UserAccount>> users;
    private final Sha2AuthCache cache;
    private final RsaKeys rsaKeys;
    private final byte[] nonce;
    private final String clientHost;
    private final AuthPlugin serverDefault;
    private final List<AuthPlugin> decoyPlugins;
    private final DecoyAccounts decoys;
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
        this(users, cache, rsaKeys, nonce, clientHost, serverDefault, decoyPlugins, DecoyAccounts.configured());
    }

    /**
     * {@code decoys}: what unknown users are checked as; {@link DecoyAccounts#learned} when the known users are
     * learned from the servers (caching_sha2_password then asks an unknown user for the full password, as it
     * asks a known account it has no cache entry for).
     */
    public ClientAuthentication(
            Function<String, Optional<UserAccount>> users,
            Sha2AuthCache cache,
            RsaKeys rsaKeys,
            byte[] nonce,
            String clientHost,
            AuthPlugin serverDefault,
            List<AuthPlugin> decoyPlugins,
            DecoyAccounts decoys) {
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
        this.decoys = decoys;
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
        // For known users too: the same work either way.
        AuthPlugin decoyPlugin = DecoyAccounts.plugin(userName, decoyPlugins);
        if (known) {
            user = account.get();
            Optional<ServerAccount> learned = user.serverAccount();
            if (learned.isPresent() && !speaks(user.authPlugin())) {
                return new AuthStep.Failure(
                        ProxyErrors.pluginNotLoaded(learned.get().plugin()),
                        "account " + LogText.escape(learned.get().toString())
                                + " uses an authentication plugin mysql-proxy does not speak");
            }
            plugin = user.pluginOr(serverDefault);
        } else {
            user = decoys.account(userName, decoyPlugin);
            plugin = decoyPlugin;
        }
        if (!plugin.wireName().equals(clientPlugin)) {
            phase = Phase.SWITCHED;
            return new AuthStep.Reply(new AuthSwitchRequest(plugin.wireName(), withNul(nonce)));
        }
        return verify(response, secure);
    }

    /** A later auth packet from the client. */
    /**
     * {@link #next(byte[], boolean)} for a connection on {@code loop}: the steps that cost real CPU (the
     * password itself, checked against a SHA-256 crypt or decrypted with RSA) run on {@code workers},
     * and {@code then} gets the step on {@code loop}; the cheap ones run here and now.
     */
    public void next(byte[] data, boolean secure, Executor workers, Executor loop, Consumer<AuthStep> then) {
        if (phase != Phase.FULL_AUTH && phase != Phase.RSA) {
            then.accept(next(data, secure));
            return;
        }
        try {
            workers.execute(() -> {
                AuthStep step;
                try {
                    step = next(data, secure);
                } catch (RuntimeException e) {
                    step = new AuthStep.Failure(ProxyErrors.accessDenied(user.name(), clientHost, true), e.toString());
                }
                AuthStep done = step;
                loop.execute(() -> then.accept(done));
            });
        } catch (RejectedExecutionException e) {
            then.accept(new AuthStep.Failure(
                    ProxyErrors.tooManyConnections(),
                    "too many password checks waiting: " + PasswordCheckWorkers.QUEUE));
        }
    }

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

    private AuthStep denied(String name, boolean usingPassword, String reason) {
        return new AuthStep.Failure(ProxyErrors.accessDenied(name, clientHost, usingPassword), reason);
    }

    private static byte[] withNul(byte[] bytes) {
        return Arrays.copyOf(bytes, bytes.length + 1);
    }
}

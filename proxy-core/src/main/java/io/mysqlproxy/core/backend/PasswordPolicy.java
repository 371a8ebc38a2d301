package io.mysqlproxy.core.backend;

import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.error.LogText;
import io.mysqlproxy.core.error.ProxyErrors;
import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;
import io.mysqlproxy.protocol.packet.ErrPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When the proxy hands a backend more than a scramble: the password itself, when a server asks for it in full
 * (caching_sha2_password's full authentication). Over TLS whose certificate was verified (verify-ca,
 * verify-identity) it goes in clear, as clients send it; over TLS nobody verified (preferred, required) only if
 * the operator allowed trusting whatever server answers (allow-public-key-retrieval), since an impostor can
 * complete such a handshake with any certificate; without TLS only encrypted with a key the proxy has reason to
 * trust: the pinned server key, or, if the operator allowed it, the key the server sends. Anything else is
 * refused before a password-derived byte leaves. Shared by a
 * connector's connections, so that each backend's refusal is explained in the log once, not once per login.
 */
final class PasswordPolicy {

    /** Refusals already explained, by backend and reason; forgotten wholesale past this many (e.g. pod churn). */
    private static final int MAX_EXPLAINED = 1024;

    private static final Logger log = LoggerFactory.getLogger(PasswordPolicy.class);

    /** Neither a pinned key nor retrieval: full authentication works over TLS only. */
    static final PasswordPolicy STRICT = new PasswordPolicy(new ProxyConfig.PasswordExchange(false, Optional.empty()));

    private final ProxyConfig.PasswordExchange settings;
    private final Set<String> explained = ConcurrentHashMap.newKeySet();

    PasswordPolicy(ProxyConfig.PasswordExchange settings) {
        this.settings = settings;
    }

    /**
     * What to do when a server asks for the password in full: SEND {@code payload} (the password in clear over
     * TLS, or encrypted with the pinned key), ASK_FOR_KEY (retrieval allowed: ask for the server's RSA key and
     * encrypt with it), or REFUSE: send nothing, the login fails with {@code refusal}.
     */
    record FullAuth(Action action, byte[] payload, ErrPacket refusal) {
        enum Action {
            SEND,
            ASK_FOR_KEY,
            REFUSE
        }
    }

    /** The connection a server asks for the password on. */
    enum Transport {
        CLEAR,
        /** TLS under preferred or required: encrypted, but to whoever answered. */
        TLS_UNVERIFIED,
        /** TLS whose certificate passed verify-ca or verify-identity. */
        TLS_VERIFIED
    }

    /** {@code password}: its bytes, configured or learned from the client. */
    FullAuth fullAuthentication(String address, Transport transport, byte[] password, byte[] nonce) {
        if (transport == Transport.TLS_VERIFIED
                || (transport == Transport.TLS_UNVERIFIED && settings.allowPublicKeyRetrieval())) {
            return new FullAuth(FullAuth.Action.SEND, CachingSha2Password.clearText(password), null);
        }
        if (transport == Transport.TLS_UNVERIFIED) {
            // A pinned key is no help here: inside TLS the server reads the answer as the password itself.
            String reason = "server asks for the password in full over TLS whose certificate is not verified"
                    + " (backends.tls.mode = preferred or required); set backends.tls.mode = verify-ca or"
                    + " verify-identity with backends.tls.ca, or backends.allow-public-key-retrieval to trust"
                    + " whatever server answers";
            explainOnce(address, "full-auth-unverified", reason + " (no password was sent)");
            return new FullAuth(FullAuth.Action.REFUSE, null, ProxyErrors.cannotConnect(address, reason));
        }
        if (settings.serverPublicKey().isPresent()) {
            byte[] encrypted = RsaPasswordCipher.encrypt(
                    password, nonce, settings.serverPublicKey().get().key());
            return new FullAuth(FullAuth.Action.SEND, encrypted, null);
        }
        if (settings.allowPublicKeyRetrieval()) {
            return new FullAuth(FullAuth.Action.ASK_FOR_KEY, null, null);
        }
        String reason = "server asks for the password in full over a connection without TLS; set"
                + " backends.tls.mode, backends.server-public-key or backends.allow-public-key-retrieval";
        explainOnce(address, "full-auth", reason + " (no password was sent)");
        return new FullAuth(FullAuth.Action.REFUSE, null, ProxyErrors.cannotConnect(address, reason));
    }

    /** A server asks {@code user} for a plugin other than the one the account is configured for. */
    ErrPacket pluginRefused(String address, BackendLogin login, String asked) {
        String configured = " configured for " + login.authPlugin().wireName() + " (users[].backend-auth-plugin)";
        explainOnce(
                address,
                "plugin " + login.user() + " " + asked,
                "server asks user '" + LogText.escape(login.user()) + "' for auth plugin '" + LogText.escape(asked)
                        + "', but the account is" + configured + "; no password-derived byte was sent");
        return ProxyErrors.cannotConnect(
                address,
                "server asks user '" + login.user() + "' for auth plugin '" + asked + "', but the account is"
                        + configured);
    }

    /**
     * The server asks for {@code asked} (a plugin, or the password in full), which the login's secret cannot
     * give: a user learned from the servers whose client logged in with mysql_native_password left the proxy
     * SHA1(password) only, which answers native challenges and nothing else.
     */
    ErrPacket secretCannotAnswer(String address, BackendLogin login, String asked) {
        String reason = "server asks user '" + login.user() + "' for " + asked + ", which the proxy cannot give"
                + " with what it holds for the account (" + login.secret() + ")";
        explainOnce(
                address,
                "secret " + login.user() + " " + asked,
                "server asks user '" + LogText.escape(login.user()) + "' for " + LogText.escape(asked)
                        + ", which the proxy cannot give with what it holds for the account (" + login.secret()
                        + "); nothing was sent (an account learned with mysql_native_password needs that"
                        + " plugin on every server)");
        return ProxyErrors.cannotConnect(address, reason);
    }

    /** {@code explanation}: safe for one log line (anything a server or client chose is escaped). */
    private void explainOnce(String address, String kind, String explanation) {
        if (explained.size() >= MAX_EXPLAINED) {
            explained.clear();
        }
        if (explained.add(address + " " + kind)) {
            log.warn(
                    "backend {}: login refused: {} (said once per backend; later logins fail the same way)",
                    address,
                    explanation);
        }
    }
}

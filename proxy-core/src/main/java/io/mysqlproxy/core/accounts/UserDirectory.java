package io.mysqlproxy.core.accounts;

import io.mysqlproxy.core.auth.DecoyAccounts;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.core.config.UserSource;
import io.mysqlproxy.protocol.auth.AuthPlugin;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Who may log in, per {@code user-source}: the configured users, the accounts read from the primary
 * (with the proxy-side settings of a configured entry of the same name), or both, a configured name
 * winning. A name the servers' accounts do not have asks for a fresh read (rate-limited): this
 * login is refused, a later one finds the account.
 */
public final class UserDirectory implements AutoCloseable {

    private final Supplier<ProxyConfig> config;
    private final Optional<KnownAccounts> accounts;
    /** Decoys for learned users, made for the rounds of the accounts last read. */
    private volatile LearnedDecoys learnedDecoys;

    /** caching_sha2_password's default rounds before MySQL 9 (9.x uses 10000), when no account shows them. */
    private static final int DEFAULT_SHA2_ROUNDS = 5000;

    private record LearnedDecoys(int rounds, DecoyAccounts decoys) {}

    /** {@code accounts}: present exactly when the configuration's user source reads the servers. */
    public UserDirectory(Supplier<ProxyConfig> config, Optional<KnownAccounts> accounts) {
        this.config = config;
        this.accounts = accounts;
    }

    /** The user a client at {@code clientHost} logs in as with {@code name}, if any. */
    public Optional<UserAccount> find(String name, String clientHost) {
        ProxyConfig now = config.get();
        Optional<UserAccount> configured = now.user(name);
        UserSource source = now.accounts().source();
        if (source == UserSource.CONFIG || (source == UserSource.BOTH && configured.isPresent())) {
            return configured;
        }
        if (accounts.isEmpty()) {
            return Optional.empty();
        }
        Optional<ServerAccount> account = accounts.get().current().find(name, clientHost);
        if (account.isEmpty()) {
            accounts.get().refreshSoon();
        }
        return account.map(a -> UserAccount.fromServer(a, configured));
    }

    /**
     * The plugins of every user a client may log in as, in order: what an unknown name is checked with
     * as a decoy, so that the plugin does not tell a known name from an unknown one.
     */
    public List<AuthPlugin> plugins(AuthPlugin serverDefault) {
        ProxyConfig now = config.get();
        UserSource source = now.accounts().source();
        Stream<AuthPlugin> configured = source == UserSource.SERVERS
                ? Stream.empty()
                : now.users().values().stream().map(user -> user.pluginOr(serverDefault));
        Stream<AuthPlugin> learned = source == UserSource.CONFIG || accounts.isEmpty()
                ? Stream.empty()
                : accounts.get().current().plugins().stream()
                        .map(AuthPlugin::byWireName)
                        .filter(Objects::nonNull);
        List<AuthPlugin> plugins =
                Stream.concat(configured, learned).distinct().sorted().toList();
        return plugins.isEmpty() ? List.of(serverDefault) : plugins;
    }

    /**
     * What an unknown user is checked as: wherever users are learned from the servers ({@code servers} and
     * {@code both}), an account with random stored hashes as many rounds as the real ones, so that an unknown
     * name gets what a learned caching_sha2 account without a cache entry gets (a request for the full
     * password), not the at-once 1045 of a configured-style decoy; with {@code config}, a configured-style
     * decoy. Made once per rounds value, not per login.
     */
    public DecoyAccounts decoys() {
        if (config.get().accounts().source() == UserSource.CONFIG) {
            return DecoyAccounts.configured();
        }
        int rounds = serverAccounts().sha2Rounds(DEFAULT_SHA2_ROUNDS);
        LearnedDecoys made = learnedDecoys;
        if (made == null || made.rounds() != rounds) {
            made = new LearnedDecoys(rounds, DecoyAccounts.learned(rounds));
            learnedDecoys = made;
        }
        return made.decoys();
    }

    /** The servers' accounts as last read; none with {@code user-source = config}. */
    public ServerAccounts serverAccounts() {
        return accounts.map(KnownAccounts::current).orElse(ServerAccounts.none());
    }

    @Override
    public void close() {
        accounts.ifPresent(KnownAccounts::close);
    }
}

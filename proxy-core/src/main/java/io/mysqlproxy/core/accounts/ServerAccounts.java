package io.mysqlproxy.core.accounts;

import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.protocol.auth.CachingSha2Hash;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One read of the primary's accounts, immutable: per user name, its accounts most specific host
 * first, so that a client gets the account MySQL would give it. Anonymous accounts (user '') are left
 * out: the proxy never logs a client in as one.
 */
public final class ServerAccounts {

    private static final ServerAccounts NONE = new ServerAccounts(List.of());

    private record Entry(HostPattern host, ServerAccount account) {}

    private static final Comparator<Entry> ORDER = Comparator.comparing(Entry::host, HostPattern.MOST_SPECIFIC_FIRST);

    private final Map<String, List<Entry>> byUser;
    private final int size;
    private final List<String> plugins;
    /** The rounds of most caching_sha2_password hashes, 0 when there are none (see {@link #sha2Rounds}). */
    private final int sha2Rounds;

    private ServerAccounts(Collection<ServerAccount> accounts) {
        Map<String, List<Entry>> grouped = new HashMap<>();
        int count = 0;
        for (ServerAccount account : accounts) {
            if (account.user().isEmpty()) {
                continue;
            }
            grouped.computeIfAbsent(account.user(), u -> new ArrayList<>())
                    .add(new Entry(HostPattern.parse(account.host()), account));
            count++;
        }
        grouped.replaceAll((user, entries) -> entries.stream().sorted(ORDER).toList());
        this.byUser = Map.copyOf(grouped);
        this.size = count;
        this.plugins = all().stream().map(ServerAccount::plugin).distinct().toList();
        this.sha2Rounds = mostCommonSha2Rounds(all());
    }

    public static ServerAccounts of(Collection<ServerAccount> accounts) {
        return new ServerAccounts(accounts);
    }

    /** Before the first read. */
    public static ServerAccounts none() {
        return NONE;
    }

    /** The account a client at {@code clientHost} logging in as {@code user} gets, as MySQL picks it. */
    public Optional<ServerAccount> find(String user, String clientHost) {
        List<Entry> entries = byUser.get(user);
        if (entries == null) {
            return Optional.empty();
        }
        for (Entry entry : entries) {
            if (entry.host().matches(clientHost)) {
                return Optional.of(entry.account());
            }
        }
        return Optional.empty();
    }

    /** Every account (anonymous ones left out). */
    public List<ServerAccount> all() {
        return byUser.values().stream()
                .flatMap(e -> e.stream().map(Entry::account))
                .toList();
    }

    /** The plugin names the accounts use, each once. */
    public List<String> plugins() {
        return plugins;
    }

    /** Accounts held. */
    public int size() {
        return size;
    }

    /**
     * The rounds of most caching_sha2_password accounts' stored hashes (5000 on MySQL 8.x, 10000 on 9.x),
     * {@code orElse} when there are none: what an unknown user's decoy hash takes, so that it costs as much.
     */
    public int sha2Rounds(int orElse) {
        return sha2Rounds == 0 ? orElse : sha2Rounds;
    }

    private static int mostCommonSha2Rounds(List<ServerAccount> accounts) {
        Map<Integer, Integer> counts = new HashMap<>();
        accounts.forEach(account -> CachingSha2Hash.parse(account.authenticationString())
                .ifPresent(hash -> counts.merge(hash.rounds(), 1, Integer::sum)));
        return counts.entrySet().stream()
                .max(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey)
                .orElse(0);
    }

    /**
     * The users some of whose accounts in {@code previous} are gone from this read, locked now, or have
     * another authentication string (a changed password, or another plugin): whatever was logged in with
     * the old account must not be handed out again.
     */
    public Set<String> usersChangedSince(ServerAccounts previous) {
        Set<String> changed = new TreeSet<>();
        previous.byUser.forEach((user, entries) -> {
            List<Entry> now = byUser.getOrDefault(user, List.of());
            for (Entry before : entries) {
                Optional<ServerAccount> same = now.stream()
                        .map(Entry::account)
                        .filter(a -> a.host().equals(before.account().host()))
                        .findFirst();
                if (same.isEmpty()
                        || (same.get().locked() && !before.account().locked())
                        || !same.get().plugin().equals(before.account().plugin())
                        || !Arrays.equals(
                                same.get().authenticationString(),
                                before.account().authenticationString())) {
                    changed.add(user);
                }
            }
        });
        return changed;
    }
}

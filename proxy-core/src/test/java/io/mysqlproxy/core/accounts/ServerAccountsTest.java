package io.mysqlproxy.core.accounts;

import io.mysqlproxy.core.config.ServerAccount;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ServerAccountsTest {

    private static ServerAccount account(String user, String host, String hash, boolean locked) {
        return new ServerAccount(
                user, host, "mysql_native_password", hash.getBytes(StandardCharsets.US_ASCII), locked, false);
    }

    @Test
    void aClientGetsItsMostSpecificAccountAndAnonymousOnesAreIgnored() {
        ServerAccount anywhere = account("app", "%", "*A", false);
        ServerAccount subnet = account("app", "10.0.0.%", "*B", false);
        ServerAccount anonymous = account("", "10.0.0.5", "*C", false);
        ServerAccounts accounts = ServerAccounts.of(List.of(anywhere, subnet, anonymous));

        assertEquals(Optional.of(subnet), accounts.find("app", "10.0.0.5"));
        assertEquals(Optional.of(anywhere), accounts.find("app", "192.0.2.1"));
        assertEquals(Optional.empty(), accounts.find("", "10.0.0.5"));
        assertEquals(Optional.empty(), accounts.find("other", "10.0.0.5"));
        assertEquals(2, accounts.size());
        assertEquals(List.of("mysql_native_password"), accounts.plugins());
    }

    @Test
    void noAccountWhenNoHostMatches() {
        ServerAccounts accounts = ServerAccounts.of(List.of(account("app", "10.0.0.0/255.255.255.0", "*A", false)));
        assertEquals(Optional.empty(), accounts.find("app", "10.0.1.1"));
    }

    @Test
    void usersWithAnAccountDroppedLockedOrGivenAnotherPasswordAreChanged() {
        ServerAccounts before = ServerAccounts.of(List.of(
                account("kept", "%", "*1", false),
                account("dropped", "%", "*2", false),
                account("locked", "%", "*3", false),
                account("repassworded", "%", "*4", false),
                account("unlocked", "%", "*5", true),
                account("narrowed", "%", "*6", false)));
        ServerAccounts after = ServerAccounts.of(List.of(
                account("kept", "%", "*1", false),
                account("locked", "%", "*3", true),
                account("repassworded", "%", "*44", false),
                account("unlocked", "%", "*5", false),
                account("narrowed", "10.%", "*6", false),
                account("created", "%", "*7", false)));

        assertEquals(Set.of("dropped", "locked", "repassworded", "narrowed"), after.usersChangedSince(before));
        assertEquals(Set.of(), before.usersChangedSince(ServerAccounts.none()));
    }

    @Test
    void decoysTakeTheRoundsOfMostCachingSha2Accounts() {
        String salt = "abcdefghijklmnopqrst";
        String hash = "0123456789012345678901234567890123456789012";
        ServerAccount nineX = new ServerAccount(
                "a",
                "%",
                "caching_sha2_password",
                ("$A$00A$" + salt + hash).getBytes(StandardCharsets.US_ASCII),
                false,
                false);
        ServerAccount alsoNineX = new ServerAccount(
                "b",
                "%",
                "caching_sha2_password",
                ("$A$00A$" + salt + hash).getBytes(StandardCharsets.US_ASCII),
                false,
                false);
        ServerAccount eightX = new ServerAccount(
                "c",
                "%",
                "caching_sha2_password",
                ("$A$005$" + salt + hash).getBytes(StandardCharsets.US_ASCII),
                false,
                false);

        assertEquals(
                10000,
                ServerAccounts.of(List.of(nineX, alsoNineX, eightX, account("n", "%", "*1", false)))
                        .sha2Rounds(5000));
        assertEquals(
                5000, ServerAccounts.of(List.of(account("n", "%", "*1", false))).sha2Rounds(5000));
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.core.accounts.UserDirectory;
import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy with {@code user-source = servers} reading the primary's accounts with the monitor account
 * (mysql.user on MySQL, mysql.global_priv on MariaDB), every 500 ms: an account created on the primary
 * is known within one refresh, with its plugin and authentication string, its host pattern honoured;
 * ACCOUNT LOCK shows as locked, a new password as another authentication string, and a dropped account
 * is gone.
 */
@ExtendWith(TestBedExtension.class)
class ServerAccountsIT {

    private static final Duration REFRESH = Duration.ofMillis(500);
    /** One refresh, and the read under way when the change was made. */
    private static final Duration WITHIN_ONE_REFRESH = REFRESH.multipliedBy(2).plusSeconds(1);

    private static final String USER = "learned_it";
    private static final String ACCOUNT = "'" + USER + "'@'127.0.0.%'";
    private static final String SERVERS = """
            mysql-proxy { user-source = servers, users = [], user-refresh-interval = 500ms }
            """;

    @Test
    void theAccountsFollowThePrimarysMysqlUser(ReplicatedTestBed bed) throws Exception {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute("DROP USER IF EXISTS " + ACCOUNT);
            try (ProxyFixture proxy = ProxyFixture.start(bed, SERVERS)) {
                UserDirectory directory = proxy.server().runtime().directory();
                assertTrue(
                        directory
                                .serverAccounts()
                                .find(DbAccount.APP.user(), "127.0.0.1")
                                .isPresent(),
                        "read at start: " + directory.serverAccounts().all());
                assertEquals(Optional.empty(), directory.serverAccounts().find(USER, "127.0.0.1"));

                s.execute("CREATE USER " + ACCOUNT + " IDENTIFIED BY 'first-secret'");
                ServerAccount created = awaitAccount(directory, "created", a -> true);
                boolean mysql = bed.flavour() == ServerFlavour.MYSQL;
                assertEquals(mysql ? "caching_sha2_password" : "mysql_native_password", created.plugin());
                String hash = new String(created.authenticationString(), StandardCharsets.ISO_8859_1);
                // caching_sha2: $A$, the rounds in thousands as three hex digits (MySQL 9: 00A), $, salt, hash.
                assertTrue(
                        hash.matches(mysql ? "(?s)\\$A\\$[0-9A-F]{3}\\$.*" : "\\*[0-9A-F]{40}"),
                        "the server's own hash, not a password: " + hash.substring(0, 7));
                assertEquals(mysql ? 70 : 41, created.authenticationString().length);
                assertFalse(created.locked());
                assertFalse(created.passwordExpired());
                assertEquals("127.0.0.%", created.host());
                assertEquals(
                        Optional.empty(),
                        directory.serverAccounts().find(USER, "192.0.2.1"),
                        "the host pattern keeps other clients out");

                s.execute("ALTER USER " + ACCOUNT + " ACCOUNT LOCK");
                awaitAccount(directory, "locked", ServerAccount::locked);

                s.execute("ALTER USER " + ACCOUNT + " IDENTIFIED BY 'second-secret'");
                ServerAccount changed =
                        awaitAccount(directory, "another password", a -> !hash.equals(authenticationText(a)));
                assertNotEquals(hash, authenticationText(changed));

                s.execute("DROP USER " + ACCOUNT);
                Awaits.within(WITHIN_ONE_REFRESH, "the dropped account is gone")
                        .until(() -> directory
                                .serverAccounts()
                                .find(USER, "127.0.0.1")
                                .isEmpty());

                String metrics = proxy.admin("/metrics");
                assertTrue(metrics.contains("mysqlproxy_account_refreshes_total"), metrics);
                assertTrue(metrics.contains("mysqlproxy_account_refresh_failures_total 0.0"), metrics);
                assertTrue(metrics.contains("mysqlproxy_accounts_loaded "), metrics);
            } finally {
                s.execute("DROP USER IF EXISTS " + ACCOUNT);
            }
        }
    }

    private static ServerAccount awaitAccount(
            UserDirectory directory, String what, Predicate<ServerAccount> condition) {
        Awaits.within(WITHIN_ONE_REFRESH, USER + " " + what + " within one refresh")
                .until(() -> directory
                        .serverAccounts()
                        .find(USER, "127.0.0.1")
                        .filter(condition)
                        .isPresent());
        return directory.serverAccounts().find(USER, "127.0.0.1").orElseThrow();
    }

    private static String authenticationText(ServerAccount account) {
        return new String(account.authenticationString(), StandardCharsets.ISO_8859_1);
    }
}

package io.mysqlproxy.app;

import com.mysql.cj.jdbc.JdbcConnection;
import io.mysqlproxy.core.accounts.UserDirectory;
import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 17's acceptance with {@code user-source = servers} and no application password in the proxy's
 * configuration: users created on the primary after the proxy started log in through it within one
 * refresh (Connector/J; mysql_native_password on MariaDB, caching_sha2_password on MySQL); a changed
 * password takes effect; a locked or dropped user is refused and its pooled backend connections close;
 * COM_CHANGE_USER moves between two learned users (Connector/J, and MariaDB Connector/C through
 * python3-mysqldb).
 */
@ExtendWith(TestBedExtension.class)
class LearnedUsersIT {

    private static final Duration WITHIN_ONE_REFRESH =
            Duration.ofMillis(500).multipliedBy(2).plusSeconds(1);
    private static final String ALICE = "learned_alice";
    private static final String BOB = "learned_bob";
    /** No user with a password: only the proxy-side setting of one learned user; failures not slowed down. */
    private static final String SERVERS = """
            mysql-proxy {
              user-source = servers
              user-refresh-interval = 500ms
              users = [ { name = learned_bob, max-connections = 5 } ]
              client.failed-login-delay-after = 1000
            }
            """;

    private ReplicatedTestBed bed;

    @AfterEach
    void dropUsers() throws SQLException {
        if (bed != null) {
            rootSql("DROP USER IF EXISTS '" + ALICE + "'@'%', '" + BOB + "'@'127.0.0.%'");
        }
    }

    @Test
    void aUserCreatedOnThePrimaryLogsInAndFollowsItsPasswordLockAndDrop(ReplicatedTestBed bed) throws Exception {
        this.bed = bed;
        dropUsers();
        try (ProxyFixture proxy = ProxyFixture.start(bed, SERVERS)) {
            UserDirectory directory = proxy.server().runtime().directory();
            assertRefused(proxy, ALICE, "first-secret");

            rootSql("CREATE USER '" + ALICE + "'@'%' IDENTIFIED BY 'first-secret'");
            rootSql("GRANT SELECT ON *.* TO '" + ALICE + "'@'%'");
            awaitAccount(directory, ALICE, a -> true);
            assertEquals(ALICE, currentUser(proxy, ALICE, "first-secret"));
            awaitPooled(ALICE, 1);

            byte[] before = directory
                    .serverAccounts()
                    .find(ALICE, "127.0.0.1")
                    .orElseThrow()
                    .authenticationString();
            rootSql("ALTER USER '" + ALICE + "'@'%' IDENTIFIED BY 'second-secret'");
            awaitAccount(directory, ALICE, a -> !Arrays.equals(before, a.authenticationString()));
            awaitPooled(ALICE, 0);
            assertRefused(proxy, ALICE, "first-secret");
            assertEquals(ALICE, currentUser(proxy, ALICE, "second-secret"));
            awaitPooled(ALICE, 1);

            rootSql("ALTER USER '" + ALICE + "'@'%' ACCOUNT LOCK");
            awaitAccount(directory, ALICE, ServerAccount::locked);
            awaitPooled(ALICE, 0);
            assertRefused(proxy, ALICE, "second-secret");

            rootSql("ALTER USER '" + ALICE + "'@'%' ACCOUNT UNLOCK");
            awaitAccount(directory, ALICE, a -> !a.locked());
            assertEquals(ALICE, currentUser(proxy, ALICE, "second-secret"));
            awaitPooled(ALICE, 1);

            rootSql("DROP USER '" + ALICE + "'@'%'");
            Awaits.within(WITHIN_ONE_REFRESH, "the dropped account is gone")
                    .until(() ->
                            directory.serverAccounts().find(ALICE, "127.0.0.1").isEmpty());
            awaitPooled(ALICE, 0);
            assertRefused(proxy, ALICE, "second-secret");
        }
    }

    @Test
    void changeUserBetweenTwoLearnedUsers(ReplicatedTestBed bed) throws Exception {
        this.bed = bed;
        dropUsers();
        try (ProxyFixture proxy = ProxyFixture.start(bed, SERVERS)) {
            UserDirectory directory = proxy.server().runtime().directory();
            rootSql("CREATE USER '" + ALICE + "'@'%' IDENTIFIED BY 'alice-secret'");
            rootSql("CREATE USER '" + BOB + "'@'127.0.0.%' IDENTIFIED BY 'bob-secret'");
            rootSql("GRANT SELECT ON *.* TO '" + ALICE + "'@'%'");
            rootSql("GRANT SELECT ON *.* TO '" + BOB + "'@'127.0.0.%'");
            awaitAccount(directory, ALICE, a -> true);
            awaitAccount(directory, BOB, a -> true);

            try (Connection c = proxy.connect(ALICE, "alice-secret", "")) {
                assertEquals(ALICE, currentUser(c));
                ((JdbcConnection) c).changeUser(BOB, "bob-secret");
                assertEquals(BOB, currentUser(c));
                ((JdbcConnection) c).changeUser(ALICE, "alice-secret");
                assertEquals(ALICE, currentUser(c));
                assertThrows(SQLException.class, () -> ((JdbcConnection) c).changeUser(BOB, "alice-secret"));
            }
        }
    }

    /**
     * COM_CHANGE_USER between two learned users as MariaDB Connector/C (the mariadb client's library) sends
     * it, then to a wrong password, which the proxy refuses with 1045.
     */
    @Test
    void connectorCChangesUserBetweenTwoLearnedUsers(ReplicatedTestBed bed, @TempDir Path tmp) throws Exception {
        assumeTrue(
                ConnectorCChangeUser.installed(),
                ConnectorCChangeUser.PYTHON + " cannot import MySQLdb: install the Debian package "
                        + ConnectorCChangeUser.PACKAGE);
        this.bed = bed;
        dropUsers();
        try (ProxyFixture proxy = ProxyFixture.start(bed, SERVERS)) {
            UserDirectory directory = proxy.server().runtime().directory();
            rootSql("CREATE USER '" + ALICE + "'@'%' IDENTIFIED BY 'alice-secret'");
            rootSql("CREATE USER '" + BOB + "'@'127.0.0.%' IDENTIFIED BY 'bob-secret'");
            rootSql("GRANT SELECT ON *.* TO '" + ALICE + "'@'%'");
            rootSql("GRANT SELECT ON *.* TO '" + BOB + "'@'127.0.0.%'");
            awaitAccount(directory, ALICE, a -> true);
            awaitAccount(directory, BOB, a -> true);

            List<String> steps = ConnectorCChangeUser.run(
                    tmp,
                    proxy.port(),
                    List.of(
                            new DbAccount(ALICE, "alice-secret"),
                            new DbAccount(BOB, "bob-secret"),
                            new DbAccount(ALICE, "alice-secret"),
                            new DbAccount(BOB, "alice-secret")));
            assertEquals(List.of(ALICE + "@%", BOB + "@127.0.0.%", ALICE + "@%", "error 1045"), steps);
        }
    }

    /**
     * The mariadb command-line client (libmariadb) as a learned user. It has no command that sends
     * COM_CHANGE_USER (its {@code connect} opens a new connection): Connector/C's change of user is tested
     * through python3-mysqldb above.
     */
    @Test
    void theMariaDbClientLogsInAsALearnedUser(ReplicatedTestBed bed, @TempDir Path tmp) throws Exception {
        assumeTrue(MariaDbCli.installed(), "the mariadb command-line client is not installed at " + MariaDbCli.CLIENT);
        this.bed = bed;
        dropUsers();
        try (ProxyFixture proxy = ProxyFixture.start(bed, SERVERS)) {
            rootSql("CREATE USER '" + ALICE + "'@'%' IDENTIFIED BY 'cli-secret'");
            awaitAccount(proxy.server().runtime().directory(), ALICE, a -> true);
            MariaDbCli.Run run = MariaDbCli.run(
                    tmp,
                    proxy.port(),
                    new DbAccount(ALICE, "cli-secret"),
                    List.of("-e", "SELECT CURRENT_USER() AS who FOR UPDATE"),
                    null,
                    null);
            assertEquals(0, run.exit(), run.err());
            assertEquals("who\n" + ALICE + "@%\n", run.out());
        }
    }

    private static void assertRefused(ProxyFixture proxy, String user, String password) {
        SQLException refused = assertThrows(
                SQLException.class, () -> proxy.connect(user, password, "").close());
        assertFalse(refused.getErrorCode() == 0, "refused by the proxy: " + refused);
    }

    private static String currentUser(ProxyFixture proxy, String user, String password) throws SQLException {
        try (Connection c = proxy.connect(user, password, "")) {
            return currentUser(c);
        }
    }

    /** The user the primary sees: the statement runs on a backend connection logged in as that user. */
    private static String currentUser(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1) FOR UPDATE")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void awaitAccount(UserDirectory directory, String user, Predicate<ServerAccount> condition) {
        Awaits.within(WITHIN_ONE_REFRESH, user + " read from the primary")
                .until(() -> directory
                        .serverAccounts()
                        .find(user, "127.0.0.1")
                        .filter(condition)
                        .isPresent());
    }

    /** Waits until the primary has {@code count} connections of {@code user}: the proxy's pooled ones. */
    private void awaitPooled(String user, int count) {
        Awaits.within(WITHIN_ONE_REFRESH.plusSeconds(2), count + " pooled connection(s) of " + user + " on the primary")
                .until(() -> connectionsOnPrimary(user) == count);
    }

    private int connectionsOnPrimary(String user) throws SQLException {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '" + user + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private void rootSql(String sql) throws SQLException {
        try (Connection root = bed.primary().connectAsRoot();
                Statement s = root.createStatement()) {
            s.execute(sql);
        }
    }
}

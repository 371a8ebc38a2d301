package io.mysqlproxy.testbed;

import java.util.List;

/** The test bed's accounts in SQL: the same accounts and grants on both flavours, each on its own plugin. */
final class Accounts {

    /** Everything the proxy's tests do, minus SUPER and READ_ONLY ADMIN, so read-only replicas refuse its writes. */
    private static final String APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, "
            + "CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, "
            + "TRIGGER, EVENT, REFERENCES, PROCESS";

    private Accounts() {}

    /** Creates {@code root@127.0.0.1} with every privilege, as the statements of an initialisation SQL file. */
    static List<String> root() {
        return List.of(
                "CREATE USER " + Accounts.quoted(DbAccount.ROOT, "127.0.0.1") + " IDENTIFIED BY '"
                        + DbAccount.ROOT.password() + "';",
                "GRANT ALL PRIVILEGES ON *.* TO " + Accounts.quoted(DbAccount.ROOT, "127.0.0.1")
                        + " WITH GRANT OPTION;");
    }

    /** Creates the accounts of {@link DbAccount} and {@code database} on a primary of {@code recipe}'s flavour. */
    static List<String> provision(ServerRecipe recipe, String database) {
        return List.of(
                createUser(recipe, DbAccount.REPLICATION),
                "GRANT REPLICATION SLAVE ON *.* TO " + quoted(DbAccount.REPLICATION, "%"),
                createUser(recipe, DbAccount.APP),
                "GRANT " + APP_PRIVILEGES + " ON *.* TO " + quoted(DbAccount.APP, "%"),
                createUser(recipe, DbAccount.MONITOR),
                "GRANT " + recipe.monitorPrivileges() + " ON *.* TO " + quoted(DbAccount.MONITOR, "%"),
                "GRANT SELECT ON " + recipe.accountsTable() + " TO " + quoted(DbAccount.MONITOR, "%"),
                "CREATE DATABASE `" + database + "` CHARACTER SET utf8mb4");
    }

    private static String createUser(ServerRecipe recipe, DbAccount account) {
        return "CREATE USER " + quoted(account, "%") + " " + recipe.identifiedBy(account.password());
    }

    /** {@code 'user'@'host'}; the test bed's names and passwords contain no quotes. */
    static String quoted(DbAccount account, String host) {
        return "'" + account.user() + "'@'" + host + "'";
    }
}

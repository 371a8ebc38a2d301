package io.mysqlproxy.testbed;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Creates the test bed's accounts and application database on the primary. Nothing is created on replicas
 * directly: they receive all of it through replication, exactly like a production topology, and their binlogs
 * stay free of local GTIDs that gtid_strict_mode would later trip over.
 */
final class PrimaryProvisioner {

    /** Everything the proxy's tests do, minus SUPER and READ_ONLY ADMIN, so read_only replicas refuse writes. */
    private static final String APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, "
            + "CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, "
            + "TRIGGER, EVENT, REFERENCES, PROCESS";

    /**
     * SLAVE MONITOR (alias REPLICA MONITOR) is what SHOW SLAVE STATUS / SHOW ALL SLAVES STATUS need on 10.5.9+;
     * BINLOG MONITOR covers SHOW BINLOG STATUS and the binlog position variables. SELECT 1 and
     * SELECT @@read_only need no privilege at all.
     */
    private static final String MONITOR_PRIVILEGES = "SLAVE MONITOR, BINLOG MONITOR";

    private PrimaryProvisioner() {}

    static void provision(MariaDbServer primary, String database) throws SQLException {
        List<String> statements = List.of(
                createUser(DbAccount.REPLICATION, "mysql_native_password"),
                "GRANT REPLICATION SLAVE ON *.* TO " + account(DbAccount.REPLICATION),
                createUser(DbAccount.APP, "mysql_native_password"),
                "GRANT " + APP_PRIVILEGES + " ON *.* TO " + account(DbAccount.APP),
                createUser(DbAccount.MONITOR, "mysql_native_password"),
                "GRANT " + MONITOR_PRIVILEGES + " ON *.* TO " + account(DbAccount.MONITOR),
                "CREATE DATABASE `" + database + "` CHARACTER SET utf8mb4");
        try (Connection connection = primary.connectAsRoot();
                Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static String createUser(DbAccount account, String plugin) {
        return "CREATE USER " + account(account) + " IDENTIFIED VIA " + plugin + " USING PASSWORD('"
                + account.password() + "')";
    }

    private static String account(DbAccount account) {
        return "'" + account.user() + "'@'%'";
    }
}

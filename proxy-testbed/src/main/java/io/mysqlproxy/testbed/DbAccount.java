package io.mysqlproxy.testbed;

import java.util.Objects;

/**
 * A MariaDB account of the test bed. Passwords are fixed because the servers are throw-away,
 * loopback-only instances and tests, the demo and the proxy configuration all need to agree on them.
 *
 * @param user     the account's user name
 * @param password its clear-text password
 */
public record DbAccount(String user, String password) {

    /** Administrative account {@code 'root'@'127.0.0.1'}; baked into the data-directory template so it exists on every server. */
    public static final DbAccount ROOT = new DbAccount("root", "testbed-root");

    /** {@code 'repl'@'%'} with REPLICATION SLAVE: what replicas use to stream the primary's binlog. */
    public static final DbAccount REPLICATION = new DbAccount("repl", "repl-secret");

    /**
     * {@code 'app'@'%'} (mysql_native_password): ordinary DML/DDL privileges but neither SUPER nor READ_ONLY ADMIN,
     * so read-only replicas refuse its writes just as they would refuse a misrouted production query.
     */
    public static final DbAccount APP = new DbAccount("app", "app-secret");

    /** {@code 'monitor'@'%'}: only what a health checker needs (SLAVE MONITOR, BINLOG MONITOR). */
    public static final DbAccount MONITOR = new DbAccount("monitor", "monitor-secret");

    public DbAccount {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
    }

    /** Leaves the password out so accounts can be logged safely. */
    @Override
    public String toString() {
        return "DbAccount[" + user + "]";
    }
}

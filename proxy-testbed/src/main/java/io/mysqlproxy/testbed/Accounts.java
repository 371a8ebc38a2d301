package io.mysqlproxy.testbed;

/** SQL spelling of the test bed's accounts. */
final class Accounts {

    private Accounts() {}

    /** {@code 'user'@'host'}; the test bed's names and passwords contain no quotes. */
    static String quoted(DbAccount account, String host) {
        return "'" + account.user() + "'@'" + host + "'";
    }
}

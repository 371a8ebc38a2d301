package io.mysqlproxy.core.config;

import java.util.Arrays;
import java.util.Objects;

/**
 * An account as the servers store it: one row of the primary's {@code mysql.user}. {@code host} is
 * the account's host pattern ({@code %}, {@code 10.0.%}, {@code 10.0.0.0/255.255.0.0}, a name);
 * {@code plugin} its authentication plugin's name as the server spells it, which the proxy may not
 * speak (MariaDB's ed25519, parsec); {@code authenticationString} what the server keeps to check the
 * password ({@code *HEX} of SHA1(SHA1(password)) for mysql_native_password, the {@code $A$005$...}
 * SHA-256 crypt for caching_sha2_password), never a password.
 */
public record ServerAccount(
        String user, String host, String plugin, byte[] authenticationString, boolean locked, boolean passwordExpired) {

    public ServerAccount {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(plugin, "plugin");
        authenticationString = authenticationString.clone();
    }

    @Override
    public byte[] authenticationString() {
        return authenticationString.clone();
    }

    /** Equal when every column is, the authentication string by content (a changed password is another account). */
    @Override
    public boolean equals(Object other) {
        return other instanceof ServerAccount that
                && user.equals(that.user)
                && host.equals(that.host)
                && plugin.equals(that.plugin)
                && Arrays.equals(authenticationString, that.authenticationString)
                && locked == that.locked
                && passwordExpired == that.passwordExpired;
    }

    @Override
    public int hashCode() {
        return Objects.hash(user, host, plugin, Arrays.hashCode(authenticationString), locked, passwordExpired);
    }

    /** Never prints the authentication string. */
    @Override
    public String toString() {
        return "ServerAccount['" + user + "'@'" + host + "', " + plugin + (locked ? ", locked" : "")
                + (passwordExpired ? ", password expired" : "") + "]";
    }
}

package io.mysqlproxy.core.config;

import io.mysqlproxy.protocol.auth.AuthPlugin;

/** An application user: the proxy checks the client's password and logs in to backends with it. */
public record UserAccount(String name, String password, AuthPlugin authPlugin) {

    /** Never prints the password. */
    @Override
    public String toString() {
        return "UserAccount[" + name + ", " + authPlugin.wireName() + "]";
    }
}

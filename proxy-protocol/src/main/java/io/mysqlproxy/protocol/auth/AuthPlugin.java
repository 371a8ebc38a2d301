package io.mysqlproxy.protocol.auth;

/** The authentication plugins the proxy speaks, by their wire names. */
public enum AuthPlugin {
    MYSQL_NATIVE_PASSWORD("mysql_native_password"),
    CACHING_SHA2_PASSWORD("caching_sha2_password"),
    MYSQL_CLEAR_PASSWORD("mysql_clear_password");

    private final String wireName;

    AuthPlugin(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The plugin with this wire name, or {@code null} when the proxy does not speak it. */
    public static AuthPlugin byWireName(String name) {
        for (AuthPlugin plugin : values()) {
            if (plugin.wireName.equals(name)) {
                return plugin;
            }
        }
        return null;
    }
}

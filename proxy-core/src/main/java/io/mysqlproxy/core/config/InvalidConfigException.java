package io.mysqlproxy.core.config;

/** A configuration value that cannot be used; the message names the key. */
public final class InvalidConfigException extends RuntimeException {

    private final String key;

    public InvalidConfigException(String key, String reason) {
        super(key + ": " + reason);
        this.key = key;
    }

    public InvalidConfigException(String key, String reason, Throwable cause) {
        super(key + ": " + reason, cause);
        this.key = key;
    }

    public String key() {
        return key;
    }
}

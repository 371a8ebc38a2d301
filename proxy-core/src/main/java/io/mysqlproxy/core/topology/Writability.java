package io.mysqlproxy.core.topology;

/** What a backend's {@code @@global.read_only} said at its last health check. */
public enum Writability {
    /** {@code read_only = OFF}: the server accepts writes. */
    WRITABLE,
    /** {@code read_only = ON}. */
    READ_ONLY,
    /** Not checked yet, or the last check could not read it. */
    UNKNOWN
}

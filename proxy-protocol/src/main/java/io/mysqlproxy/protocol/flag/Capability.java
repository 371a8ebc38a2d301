package io.mysqlproxy.protocol.flag;

/**
 * Client/server capability flags (the 32-bit set exchanged in HandshakeV10 and HandshakeResponse41).
 * Sessions keep the negotiated set as a plain {@code int}; this enum names the bits.
 */
public enum Capability {
    LONG_PASSWORD(1),
    FOUND_ROWS(1 << 1),
    LONG_FLAG(1 << 2),
    CONNECT_WITH_DB(1 << 3),
    NO_SCHEMA(1 << 4),
    COMPRESS(1 << 5),
    ODBC(1 << 6),
    LOCAL_FILES(1 << 7),
    IGNORE_SPACE(1 << 8),
    PROTOCOL_41(1 << 9),
    INTERACTIVE(1 << 10),
    SSL(1 << 11),
    IGNORE_SIGPIPE(1 << 12),
    TRANSACTIONS(1 << 13),
    RESERVED(1 << 14),
    SECURE_CONNECTION(1 << 15),
    MULTI_STATEMENTS(1 << 16),
    MULTI_RESULTS(1 << 17),
    PS_MULTI_RESULTS(1 << 18),
    PLUGIN_AUTH(1 << 19),
    CONNECT_ATTRS(1 << 20),
    PLUGIN_AUTH_LENENC_CLIENT_DATA(1 << 21),
    CAN_HANDLE_EXPIRED_PASSWORDS(1 << 22),
    SESSION_TRACK(1 << 23),
    DEPRECATE_EOF(1 << 24),
    OPTIONAL_RESULTSET_METADATA(1 << 25),
    ZSTD_COMPRESSION(1 << 26),
    QUERY_ATTRIBUTES(1 << 27),
    MULTI_FACTOR_AUTHENTICATION(1 << 28),
    CAPABILITY_EXTENSION(1 << 29),
    SSL_VERIFY_SERVER_CERT(1 << 30),
    REMEMBER_OPTIONS(1 << 31);

    private final int mask;

    Capability(int mask) {
        this.mask = mask;
    }

    public int mask() {
        return mask;
    }

    public boolean isSet(int flags) {
        return (flags & mask) != 0;
    }

    /** The union of the given capabilities' bits. */
    public static int maskOf(Capability... capabilities) {
        int flags = 0;
        for (Capability c : capabilities) {
            flags |= c.mask;
        }
        return flags;
    }
}

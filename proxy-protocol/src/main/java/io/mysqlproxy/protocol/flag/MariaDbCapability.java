package io.mysqlproxy.protocol.flag;

/**
 * MariaDB's extended capability flags: the 32-bit word in the last four reserved bytes of
 * HandshakeV10 and of HandshakeResponse41 (bits 32 and up of MariaDB's 64-bit capability set).
 * A server sends it when it clears {@link Capability#LONG_PASSWORD} (MariaDB's {@code CLIENT_MYSQL});
 * a server reads the client's only when the client clears that bit too.
 */
public enum MariaDbCapability {
    /** Progress report packets (an ERR header with error code 0xFFFF) inside a running command's response. */
    PROGRESS(1),
    /** Reserved: the former COM_MULTI experiment, removed from the server. */
    COM_MULTI(1 << 1),
    /** COM_STMT_BULK_EXECUTE (0xFA): one execution of a prepared statement over many parameter rows. */
    STMT_BULK_OPERATIONS(1 << 2),
    /** A column definition carries a lenenc string of extended type information (type name, format) after its names. */
    EXTENDED_METADATA(1 << 3),
    /** A COM_STMT_EXECUTE result set's column count is followed by a metadata-follows byte (since 10.6). */
    CACHE_METADATA(1 << 4),
    /** COM_STMT_BULK_EXECUTE answers each parameter row with a result of its own (since 11.5). */
    BULK_UNIT_RESULTS(1 << 5);

    private final int mask;

    MariaDbCapability(int mask) {
        this.mask = mask;
    }

    public int mask() {
        return mask;
    }

    public boolean isSet(int flags) {
        return (flags & mask) != 0;
    }

    /** The union of the given capabilities' bits. */
    public static int maskOf(MariaDbCapability... capabilities) {
        int flags = 0;
        for (MariaDbCapability c : capabilities) {
            flags |= c.mask;
        }
        return flags;
    }
}

package io.mysqlproxy.core.route;

/**
 * State that lives in the session's primary connection only, and so keeps the whole session on
 * the primary until it is released (UNLOCK TABLES) or the session is reset.
 */
public enum Pin {
    LOCK_TABLES(RouteReason.PINNED_LOCK_TABLES),
    GLOBAL_READ_LOCK(RouteReason.PINNED_GLOBAL_READ_LOCK),
    NAMED_LOCK(RouteReason.PINNED_NAMED_LOCK),
    TEMPORARY_TABLE(RouteReason.PINNED_TEMPORARY_TABLE),
    SQL_PREPARE(RouteReason.PINNED_SQL_PREPARE),
    /**
     * A user variable set from an expression, by SELECT ... INTO, or named in a CALL (an OUT parameter) or
     * GET DIAGNOSTICS. A procedure body that sets user variables itself is not detected: such calls need a
     * route=primary hint on the statements that read the variables.
     */
    USER_VARIABLE(RouteReason.PINNED_USER_VARIABLE),
    MULTI_STATEMENT(RouteReason.PINNED_MULTI_STATEMENT),
    SESSION_STATE_SIZE(RouteReason.PINNED_SESSION_STATE_SIZE),
    PREPARED_SESSION_STATE(RouteReason.PINNED_PREPARED_SESSION_STATE);

    private final RouteReason reason;

    Pin(RouteReason reason) {
        this.reason = reason;
    }

    public RouteReason reason() {
        return reason;
    }

    public int bit() {
        return 1 << ordinal();
    }

    /** The first pin set in {@code bits}, or null. */
    public static Pin first(int bits) {
        return bits == 0 ? null : values()[Integer.numberOfTrailingZeros(bits)];
    }
}

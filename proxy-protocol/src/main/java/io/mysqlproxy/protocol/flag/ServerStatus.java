package io.mysqlproxy.protocol.flag;

/** Server status bits carried by OK and EOF packets. */
public enum ServerStatus {
    IN_TRANS(0x0001),
    AUTOCOMMIT(0x0002),
    MORE_RESULTS_EXISTS(0x0008),
    NO_GOOD_INDEX_USED(0x0010),
    NO_INDEX_USED(0x0020),
    CURSOR_EXISTS(0x0040),
    LAST_ROW_SENT(0x0080),
    DB_DROPPED(0x0100),
    NO_BACKSLASH_ESCAPES(0x0200),
    METADATA_CHANGED(0x0400),
    QUERY_WAS_SLOW(0x0800),
    PS_OUT_PARAMS(0x1000),
    IN_TRANS_READONLY(0x2000),
    SESSION_STATE_CHANGED(0x4000);

    private final int mask;

    ServerStatus(int mask) {
        this.mask = mask;
    }

    public int mask() {
        return mask;
    }

    public boolean isSet(int status) {
        return (status & mask) != 0;
    }
}

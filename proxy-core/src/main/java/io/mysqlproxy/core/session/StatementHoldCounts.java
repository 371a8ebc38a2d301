package io.mysqlproxy.core.session;

/**
 * How many of a session's prepared statements keep a leg with an open cursor or with long data, kept up
 * as each statement changes, so that the pin metrics' check after every command need not walk them.
 */
final class StatementHoldCounts {

    private int cursors;
    private int longData;

    /** A statement's cursor and long data were held as {@code *Before} and are held as {@code *Now}. */
    void changed(boolean cursorBefore, boolean cursorNow, boolean longDataBefore, boolean longDataNow) {
        cursors += count(cursorNow) - count(cursorBefore);
        longData += count(longDataNow) - count(longDataBefore);
    }

    /** {@link HoldReason#OPEN_CURSOR} and {@link HoldReason#LONG_DATA}, as bits, if any statement has them. */
    long bits() {
        return (cursors > 0 ? HoldReason.OPEN_CURSOR.bit() : 0) | (longData > 0 ? HoldReason.LONG_DATA.bit() : 0);
    }

    void clear() {
        cursors = 0;
        longData = 0;
    }

    private static int count(boolean held) {
        return held ? 1 : 0;
    }
}

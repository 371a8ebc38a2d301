package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.flag.ServerStatus;

/**
 * Whether the session's sql_mode has NO_BACKSLASH_ESCAPES, as the status flags of the server's last OK or
 * EOF say (an ERR carries none): under it a backslash in a string escapes nothing, so the lexer must know
 * it to find where strings end, and with them the statements of a multi-statement and the literals a
 * digest hides. Confined to the session's event loop.
 */
final class StringEscapes {

    private boolean atLogin;
    private boolean off;

    StringEscapes(int loginStatus) {
        startOver(loginStatus);
    }

    /** Whether backslashes escape nothing in the session's strings. */
    boolean noBackslashEscapes() {
        return off;
    }

    /** A command's response is complete with {@code status}; a failed one changed no sql_mode. */
    void answered(int status, boolean failed) {
        if (!failed) {
            off = ServerStatus.NO_BACKSLASH_ESCAPES.isSet(status);
        }
    }

    /** COM_RESET_CONNECTION: the session's sql_mode is the server's default again, as at login. */
    void reset() {
        off = atLogin;
    }

    /** COM_CHANGE_USER (and the login): a new server session, whose status the login's OK had. */
    void startOver(int loginStatus) {
        atLogin = ServerStatus.NO_BACKSLASH_ESCAPES.isSet(loginStatus);
        off = atLogin;
    }
}

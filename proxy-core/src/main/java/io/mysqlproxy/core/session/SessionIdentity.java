package io.mysqlproxy.core.session;

import io.mysqlproxy.core.backend.BackendLogin;

/** Who the client is now: its session info and its login, both replaced when COM_CHANGE_USER succeeds. */
final class SessionIdentity {

    private SessionInfo info;
    private BackendLogin login;

    SessionIdentity(SessionInfo info, BackendLogin login) {
        this.info = info;
        this.login = login;
    }

    SessionInfo info() {
        return info;
    }

    BackendLogin login() {
        return login;
    }

    /** The login for borrowing another connection of the session's user, in {@code schema}. */
    BackendLogin borrowLogin(String schema) {
        return login.inDatabase(schema);
    }

    void changedTo(String user, BackendLogin newLogin) {
        info = info.withUser(user);
        login = newLogin;
    }

    /** The prefix of the session's log lines. */
    String logPrefix() {
        return "[conn " + info.connectionId() + "] " + info.remote();
    }
}

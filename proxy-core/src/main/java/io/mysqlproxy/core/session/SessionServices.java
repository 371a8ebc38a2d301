package io.mysqlproxy.core.session;

import io.mysqlproxy.core.auth.ClientAuthentication;
import io.mysqlproxy.core.backend.BackendConnection;
import io.mysqlproxy.core.backend.BackendLogin;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/** What a session needs from the proxy around it: checking passwords and opening backend sessions. */
public interface SessionServices {

    /** A fresh password check against the configured users, for a client greeted with {@code nonce}. */
    ClientAuthentication authentication(byte[] nonce, String clientHost);

    /** Opens a backend session on the primary for {@code login}, on the given event loop. */
    Future<BackendConnection> openPrimary(EventLoop loop, BackendLogin login);
}

package io.mysqlproxy.app;

/**
 * The server's own id for the connection a statement runs on, for tests that must tell backend connections
 * apart: through the proxy, CONNECTION_ID() answers the proxy's connection id. The statement finds itself in
 * the server's process list by a marker in its own text.
 */
final class ServerThreadId {

    /** A subquery giving the server thread id of the connection that runs the statement containing it. */
    static final String EXPRESSION =
            "(SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%server-thread-id-probe%' LIMIT 1)";

    private ServerThreadId() {}
}

package io.mysqlproxy.core.error;

import io.mysqlproxy.protocol.packet.ErrPacket;

/**
 * The ERR packets the proxy itself sends, with the server's own codes and SQLSTATEs, so that
 * applications react as they would to MySQL. Never a client library's code (2000-2999, such as
 * 2003 or 2013) in an ERR packet: those are for errors a client detects itself, and MariaDB
 * Connector/C reports one that arrives from a server as a malformed packet (error 2027).
 */
public final class ProxyErrors {

    public static final int ER_CON_COUNT_ERROR = 1040;
    public static final int ER_HANDSHAKE_ERROR = 1043;
    public static final int ER_ACCESS_DENIED_ERROR = 1045;
    public static final int ER_UNKNOWN_COM_ERROR = 1047;
    public static final int ER_UNKNOWN_ERROR = 1105;
    public static final int ER_PARSE_ERROR = 1064;
    public static final int ER_NO_SUCH_THREAD = 1094;
    public static final int ER_HOST_IS_BLOCKED = 1129;
    public static final int ER_USER_LIMIT_REACHED = 1226;
    public static final int ER_SPECIFIC_ACCESS_DENIED_ERROR = 1227;
    public static final int ER_NET_PACKET_TOO_LARGE = 1153;
    public static final int ER_SERVER_SHUTDOWN = 1053;
    public static final int ER_NET_READ_ERROR = 1158;
    public static final int ER_NET_PACKETS_OUT_OF_ORDER = 1156;
    public static final int ER_TOO_MANY_USER_CONNECTIONS = 1203;
    public static final int ER_NOT_SUPPORTED_AUTH_MODE = 1251;
    public static final int ER_UNKNOWN_STMT_HANDLER = 1243;
    public static final int ER_OPTION_PREVENTS_STATEMENT = 1290;
    public static final int ER_CONNECT_TO_FOREIGN_DATA_SOURCE = 1429;
    public static final int ER_WRONG_ARGUMENTS = 1210;
    public static final int ER_NOT_SUPPORTED_YET = 1235;
    public static final int ER_MAX_PREPARED_STMT_COUNT_REACHED = 1461;
    public static final int ER_PLUGIN_IS_NOT_LOADED = 1524;
    public static final int ER_MALFORMED_PACKET = 1835;
    public static final int ER_MUST_CHANGE_PASSWORD_LOGIN = 1862;
    public static final int ER_ACCOUNT_HAS_BEEN_LOCKED = 3118;
    public static final int ER_CONNECTION_KILLED = 1927;
    public static final int ER_SECURE_TRANSPORT_REQUIRED = 3159;
    public static final int ER_CLIENT_INTERACTION_TIMEOUT = 4031;

    private ProxyErrors() {}

    public static ErrPacket tooManyConnections() {
        return new ErrPacket(ER_CON_COUNT_ERROR, "08004", "Too many connections");
    }

    public static ErrPacket badHandshake(String reason) {
        return new ErrPacket(ER_HANDSHAKE_ERROR, "08S01", "Bad handshake: " + reason);
    }

    public static ErrPacket accessDenied(String user, String host, boolean usingPassword) {
        return new ErrPacket(
                ER_ACCESS_DENIED_ERROR,
                "28000",
                "Access denied for user '" + user + "'@'" + host + "' (using password: "
                        + (usingPassword ? "YES" : "NO") + ")");
    }

    /** The server's own text for an address past max_connect_errors (MySQL and MariaDB alike). */
    public static ErrPacket hostBlocked(String host) {
        return new ErrPacket(
                ER_HOST_IS_BLOCKED,
                "HY000",
                "Host '" + host
                        + "' is blocked because of many connection errors; unblock with 'mysqladmin flush-hosts'");
    }

    /** As MySQL for an account at its MAX_USER_CONNECTIONS. */
    public static ErrPacket userLimitReached(String user, int limit) {
        return new ErrPacket(
                ER_USER_LIMIT_REACHED,
                "42000",
                "User '" + user + "' has exceeded the 'max_user_connections' resource (current value: " + limit + ")");
    }

    public static ErrPacket malformedPacket(String reason) {
        return new ErrPacket(ER_MALFORMED_PACKET, "08S01", "Malformed communication packet: " + reason);
    }

    public static ErrPacket unknownCommand(int command) {
        return new ErrPacket(
                ER_UNKNOWN_COM_ERROR,
                "08S01",
                "Unknown command 0x" + Integer.toHexString(command) + " (not supported through mysql-proxy)");
    }

    public static ErrPacket packetTooLarge(long maxAllowedPacket) {
        return new ErrPacket(
                ER_NET_PACKET_TOO_LARGE,
                "08S01",
                "Got a packet bigger than 'max_allowed_packet' bytes (" + maxAllowedPacket + ")");
    }

    public static ErrPacket packetsOutOfOrder(int expected, int got) {
        return new ErrPacket(
                ER_NET_PACKETS_OUT_OF_ORDER,
                "08S01",
                "Got packets out of order (expected sequence id " + expected + ", got " + got + ")");
    }

    public static ErrPacket authPluginNotSupported(String plugin) {
        return new ErrPacket(
                ER_NOT_SUPPORTED_AUTH_MODE,
                "08004",
                "Client does not support authentication protocol requested by server; consider upgrading MySQL client"
                        + (plugin == null ? "" : " (plugin " + plugin + ")"));
    }

    /** MySQL's answer to a correct password for an account under ACCOUNT LOCK. */
    public static ErrPacket accountLocked(String user, String host) {
        return new ErrPacket(
                ER_ACCOUNT_HAS_BEEN_LOCKED,
                "HY000",
                "Access denied for user '" + user + "'@'" + host + "'. Account is locked.");
    }

    /** MySQL's answer to an expired password; the proxy has no sandbox mode to let the client change it. */
    public static ErrPacket passwordExpired() {
        return new ErrPacket(
                ER_MUST_CHANGE_PASSWORD_LOGIN,
                "HY000",
                "Your password has expired. To log in you must change it using a client that supports expired"
                        + " passwords.");
    }

    /** An account whose authentication plugin the proxy does not speak, in MySQL's words for a missing plugin. */
    public static ErrPacket pluginNotLoaded(String plugin) {
        return new ErrPacket(ER_PLUGIN_IS_NOT_LOADED, "HY000", "Plugin '" + plugin + "' is not loaded");
    }

    /** An access denial, as the server's own code: the client library's 2061 is for the client to raise. */
    public static ErrPacket secureTransportRequired() {
        return new ErrPacket(
                ER_ACCESS_DENIED_ERROR,
                "28000",
                "Authentication requires a secure connection or the server's RSA public key (caching_sha2_password)");
    }

    /** MySQL's own answer to a login without TLS under require_secure_transport. */
    public static ErrPacket insecureTransportProhibited() {
        return new ErrPacket(
                ER_SECURE_TRANSPORT_REQUIRED,
                "HY000",
                "Connections using insecure transport are prohibited while --require_secure_transport=ON.");
    }

    public static ErrPacket idleTimeout() {
        return new ErrPacket(
                ER_CLIENT_INTERACTION_TIMEOUT,
                "HY000",
                "The client was disconnected by the server because of inactivity.");
    }

    /** 1429, "unable to connect to foreign data source": the server's code for a backend it cannot reach. */
    public static ErrPacket cannotConnect(String backend, String reason) {
        return new ErrPacket(
                ER_CONNECT_TO_FOREIGN_DATA_SOURCE,
                "HY000",
                "Can't connect to MySQL server on '" + backend + "' through mysql-proxy (" + reason + ")");
    }

    /** 1290, as the server's own --read-only refusal, so that clients treat it as one. */
    public static ErrPacket writesRefused(String reason) {
        return new ErrPacket(ER_OPTION_PREVENTS_STATEMENT, "HY000", "mysql-proxy refuses writes: " + reason);
    }

    /** The server's own words when it shuts down under a running statement. */
    public static ErrPacket serverShutdown() {
        return new ErrPacket(ER_SERVER_SHUTDOWN, "08S01", "Server shutdown in progress (mysql-proxy drain deadline)");
    }

    /** The session ends with it, hence 08S01 (connection failure). */
    public static ErrPacket backendLost(String backend, String reason) {
        return new ErrPacket(
                ER_NET_READ_ERROR,
                "08S01",
                "Lost connection to MySQL server '" + backend + "' during query (" + reason + ")");
    }

    public static ErrPacket backendProtocolError(String backend, String reason) {
        return new ErrPacket(
                ER_NET_READ_ERROR,
                "HY000",
                "MySQL server '" + backend + "' sent bytes mysql-proxy could not follow (" + reason + ")");
    }

    public static ErrPacket poolExhausted(String backend, int max, long waitedMillis) {
        return new ErrPacket(
                ER_CON_COUNT_ERROR,
                "08004",
                "Too many connections to '" + backend + "': its pool of " + max + " connections stayed full for "
                        + waitedMillis + " ms (mysql-proxy)");
    }

    /** One user's share of a backend's pool is in use: MySQL's answer to max_user_connections. */
    public static ErrPacket userShareReached(String user, String backend, int max) {
        return new ErrPacket(
                ER_TOO_MANY_USER_CONNECTIONS,
                "42000",
                "User " + user + " already has more than 'max_user_connections' active connections (mysql-proxy: " + max
                        + " of the pool of '" + backend + "', backends.pool.max-per-user-percent)");
    }

    public static ErrPacket unknownStatement(int statementId, String command) {
        return new ErrPacket(
                ER_UNKNOWN_STMT_HANDLER,
                "HY000",
                "Unknown prepared statement handler (" + Integer.toUnsignedString(statementId) + ") given to "
                        + command);
    }

    /** The server's words for a prepare beyond its limit; {@code max} is the session's limit in the proxy. */
    public static ErrPacket tooManyPreparedStatements(int max) {
        return new ErrPacket(
                ER_MAX_PREPARED_STMT_COUNT_REACHED,
                "42000",
                "Can't create more than max_prepared_stmt_count statements (current value: " + max + ")");
    }

    /** The server's answer to a COM_STMT_EXECUTE too short for the statement's parameters. */
    public static ErrPacket wrongExecuteArguments() {
        return new ErrPacket(ER_WRONG_ARGUMENTS, "HY000", "Incorrect arguments to mysqld_stmt_execute");
    }

    /**
     * A failure of the proxy's own (an unexpected exception): its text may show internals, so it goes to
     * the log only, and the client gets the connection id the log lines carry.
     */
    public static ErrPacket internalError(long connectionId) {
        return new ErrPacket(
                ER_UNKNOWN_ERROR,
                "HY000",
                "Unknown error in mysql-proxy (connection " + connectionId + "; the details are in its log)");
    }

    /** A statement form the proxy cannot pass on; the server's words, naming it. */
    public static ErrPacket notSupported(String what) {
        return new ErrPacket(ER_NOT_SUPPORTED_YET, "42000", "This version of MySQL doesn't yet support '" + what + "'");
    }

    /** KILL of an id that is no session of the proxy, or a session of another user. */
    public static ErrPacket unknownThread(long id) {
        return new ErrPacket(ER_NO_SUCH_THREAD, "HY000", "Unknown thread id: " + Long.toUnsignedString(id));
    }

    /** An admin statement of the proxy from a user whose configuration does not say {@code admin = true}. */
    public static ErrPacket adminOnly() {
        return new ErrPacket(
                ER_SPECIFIC_ACCESS_DENIED_ERROR,
                "42000",
                "Access denied; you need (at least one of) "
                        + "the PROXY ADMIN privilege(s) for this operation: SHOW PROXY and EXPLAIN ROUTE are answered by "
                        + "mysql-proxy only for users with admin = true in its configuration");
    }

    /** An admin statement of the proxy that it cannot read; {@code message} says what it expected. */
    public static ErrPacket adminSyntax(String message) {
        return new ErrPacket(ER_PARSE_ERROR, "42000", message + " (mysql-proxy)");
    }

    /** To a session ended by KILL in the middle of a command. */
    public static ErrPacket connectionKilled() {
        return new ErrPacket(ER_CONNECTION_KILLED, "70100", "Connection was killed");
    }
}

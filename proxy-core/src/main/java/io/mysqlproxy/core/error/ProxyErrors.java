package io.mysqlproxy.core.error;

import io.mysqlproxy.protocol.packet.ErrPacket;

/**
 * The ERR packets the proxy itself sends, with the server's (or, for lost backends, the client
 * library's) own codes and SQLSTATEs, so that applications react as they would to MySQL.
 */
public final class ProxyErrors {

    public static final int ER_CON_COUNT_ERROR = 1040;
    public static final int ER_HANDSHAKE_ERROR = 1043;
    public static final int ER_ACCESS_DENIED_ERROR = 1045;
    public static final int ER_UNKNOWN_COM_ERROR = 1047;
    public static final int ER_PARSE_ERROR = 1064;
    public static final int ER_NO_SUCH_THREAD = 1094;
    public static final int ER_SPECIFIC_ACCESS_DENIED_ERROR = 1227;
    public static final int ER_NET_PACKET_TOO_LARGE = 1153;
    public static final int ER_NET_PACKETS_OUT_OF_ORDER = 1156;
    public static final int ER_NOT_SUPPORTED_AUTH_MODE = 1251;
    public static final int ER_UNKNOWN_STMT_HANDLER = 1243;
    public static final int ER_MALFORMED_PACKET = 1835;
    public static final int ER_CONNECTION_KILLED = 1927;
    public static final int ER_CLIENT_INTERACTION_TIMEOUT = 4031;
    public static final int CR_CONN_HOST_ERROR = 2003;
    public static final int CR_SERVER_LOST = 2013;
    public static final int CR_AUTH_PLUGIN_ERR = 2061;

    private ProxyErrors() {
    }

    public static ErrPacket tooManyConnections() {
        return new ErrPacket(ER_CON_COUNT_ERROR, "08004", "Too many connections");
    }

    public static ErrPacket badHandshake(String reason) {
        return new ErrPacket(ER_HANDSHAKE_ERROR, "08S01", "Bad handshake: " + reason);
    }

    public static ErrPacket accessDenied(String user, String host, boolean usingPassword) {
        return new ErrPacket(ER_ACCESS_DENIED_ERROR, "28000", "Access denied for user '" + user + "'@'" + host
                + "' (using password: " + (usingPassword ? "YES" : "NO") + ")");
    }

    public static ErrPacket malformedPacket(String reason) {
        return new ErrPacket(ER_MALFORMED_PACKET, "08S01", "Malformed communication packet: " + reason);
    }

    public static ErrPacket unknownCommand(int command) {
        return new ErrPacket(ER_UNKNOWN_COM_ERROR, "08S01",
                "Unknown command 0x" + Integer.toHexString(command) + " (not supported through mysql-proxy)");
    }

    public static ErrPacket packetTooLarge(long maxAllowedPacket) {
        return new ErrPacket(ER_NET_PACKET_TOO_LARGE, "08S01",
                "Got a packet bigger than 'max_allowed_packet' bytes (" + maxAllowedPacket + ")");
    }

    public static ErrPacket packetsOutOfOrder(int expected, int got) {
        return new ErrPacket(ER_NET_PACKETS_OUT_OF_ORDER, "08S01",
                "Got packets out of order (expected sequence id " + expected + ", got " + got + ")");
    }

    public static ErrPacket authPluginNotSupported(String plugin) {
        return new ErrPacket(ER_NOT_SUPPORTED_AUTH_MODE, "08004",
                "Client does not support authentication protocol requested by server; consider upgrading MySQL client"
                        + (plugin == null ? "" : " (plugin " + plugin + ")"));
    }

    public static ErrPacket secureTransportRequired() {
        return new ErrPacket(CR_AUTH_PLUGIN_ERR, "HY000",
                "Authentication requires a secure connection or the server's RSA public key (caching_sha2_password)");
    }

    public static ErrPacket idleTimeout() {
        return new ErrPacket(ER_CLIENT_INTERACTION_TIMEOUT, "HY000",
                "The client was disconnected by the server because of inactivity.");
    }

    public static ErrPacket cannotConnect(String backend, String reason) {
        return new ErrPacket(CR_CONN_HOST_ERROR, "HY000",
                "Can't connect to MySQL server on '" + backend + "' through mysql-proxy (" + reason + ")");
    }

    public static ErrPacket backendLost(String backend, String reason) {
        return new ErrPacket(CR_SERVER_LOST, "HY000",
                "Lost connection to MySQL server '" + backend + "' during query (" + reason + ")");
    }

    public static ErrPacket backendProtocolError(String backend, String reason) {
        return new ErrPacket(CR_SERVER_LOST, "HY000",
                "MySQL server '" + backend + "' sent bytes mysql-proxy could not follow (" + reason + ")");
    }

    public static ErrPacket poolExhausted(String backend, int max, long waitedMillis) {
        return new ErrPacket(ER_CON_COUNT_ERROR, "08004", "Too many connections to '" + backend
                + "': its pool of " + max + " connections stayed full for " + waitedMillis + " ms (mysql-proxy)");
    }

    public static ErrPacket noPrimary(String reason) {
        return new ErrPacket(CR_CONN_HOST_ERROR, "HY000", "No primary available through mysql-proxy (" + reason + ")");
    }

    public static ErrPacket unknownStatement(int statementId, String command) {
        return new ErrPacket(ER_UNKNOWN_STMT_HANDLER, "HY000",
                "Unknown prepared statement handler (" + Integer.toUnsignedString(statementId) + ") given to " + command);
    }

    public static ErrPacket sessionStateNotApplied(String backend, String reason) {
        return new ErrPacket(CR_SERVER_LOST, "HY000",
                "mysql-proxy could not bring the session state to '" + backend + "' (" + reason + ")");
    }

    /** KILL of an id that is no session of the proxy, or a session of another user. */
    public static ErrPacket unknownThread(long id) {
        return new ErrPacket(ER_NO_SUCH_THREAD, "HY000", "Unknown thread id: " + Long.toUnsignedString(id));
    }

    /** An admin statement of the proxy from a user whose configuration does not say {@code admin = true}. */
    public static ErrPacket adminOnly() {
        return new ErrPacket(ER_SPECIFIC_ACCESS_DENIED_ERROR, "42000", "Access denied; you need (at least one of) "
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

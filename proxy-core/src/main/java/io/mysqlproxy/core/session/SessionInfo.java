package io.mysqlproxy.core.session;

/** Who a client session is: fixed at login. */
public record SessionInfo(long connectionId, String user, String remote, int capabilities, long maxAllowedPacket) {
}

package io.mysqlproxy.core.backend;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.packet.OkPacket;
import io.mysqlproxy.protocol.wire.PacketFrameDecoder;
import io.netty.channel.embedded.EmbeddedChannel;

import java.nio.charset.StandardCharsets;

/**
 * Backend connections for component tests, each over an {@link EmbeddedChannel} standing for a
 * server that already accepted the login: what the proxy writes to it waits in the channel's
 * outbound queue, and the test plays the server by writing response bytes inbound. The channel
 * starts as {@link BackendConnector} leaves it after the handshake, with a stage named
 * {@link BackendConnection#FRAMES} for {@link BackendConnection#attach} to replace by its relay.
 */
public final class EmbeddedBackends {

    /** The capabilities such a backend and the proxy agreed on, without DEPRECATE_EOF. */
    public static final int CAPABILITIES = Capability.LONG_PASSWORD.mask()
            | Capability.FOUND_ROWS.mask()
            | Capability.LONG_FLAG.mask()
            | Capability.CONNECT_WITH_DB.mask()
            | Capability.LOCAL_FILES.mask()
            | Capability.PROTOCOL_41.mask()
            | Capability.TRANSACTIONS.mask()
            | Capability.SECURE_CONNECTION.mask()
            | Capability.MULTI_STATEMENTS.mask()
            | Capability.MULTI_RESULTS.mask()
            | Capability.PS_MULTI_RESULTS.mask()
            | Capability.PLUGIN_AUTH.mask();

    private static final byte[] SCRAMBLE = "abcdefghijklmnopqrst\0".getBytes(StandardCharsets.US_ASCII);

    private EmbeddedBackends() {}

    /**
     * A connection to the server at {@code address}, logged in with {@code login}; its session is on
     * the login's schema and collation, with autocommit on. With {@code deprecateEof}, result sets
     * end with an OK packet instead of EOF.
     */
    public static BackendConnection connection(
            String address, long serverConnectionId, BackendLogin login, boolean deprecateEof) {
        return connection(address, serverConnectionId, login, deprecateEof, ServerStatus.AUTOCOMMIT.mask());
    }

    /** As {@link #connection(String, long, BackendLogin, boolean)}, the login's OK reporting {@code loginStatus}. */
    public static BackendConnection connection(
            String address, long serverConnectionId, BackendLogin login, boolean deprecateEof, int loginStatus) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(BackendConnection.FRAMES, new PacketFrameDecoder());
        int capabilities = CAPABILITIES | (deprecateEof ? Capability.DEPRECATE_EOF.mask() : 0);
        HandshakeV10 greeting = new HandshakeV10(
                "10.11.19-MariaDB",
                serverConnectionId,
                SCRAMBLE,
                capabilities,
                login.characterSet(),
                ServerStatus.AUTOCOMMIT.mask(),
                0,
                "mysql_native_password");
        return new BackendConnection(channel, address, greeting, capabilities, OkPacket.of(loginStatus), login);
    }

    /** The embedded channel under a connection made by {@link #connection}. */
    public static EmbeddedChannel channel(BackendConnection connection) {
        return (EmbeddedChannel) connection.channel();
    }
}

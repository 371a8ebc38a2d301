package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * The client's answer to the greeting. {@code database}, {@code authPluginName} and
 * {@code attributes} are {@code null} when the matching capability is not set.
 */
public record HandshakeResponse41(
        int capabilities,
        int maxPacketSize,
        int characterSet,
        int mariaDbCapabilities,
        String username,
        byte[] authResponse,
        String database,
        String authPluginName,
        Map<String, String> attributes)
        implements ClientPacket {

    /** Fixed part: capabilities, max packet size, charset and the 23 reserved bytes. */
    static final int FIXED_LENGTH = 32;

    public HandshakeResponse41 {
        Objects.requireNonNull(username, "username");
        authResponse = authResponse == null ? new byte[0] : authResponse.clone();
        if (!Capability.PROTOCOL_41.isSet(capabilities)) {
            throw new ProtocolException("client does not speak protocol 4.1");
        }
    }

    @Override
    public byte[] authResponse() {
        return authResponse.clone();
    }

    public static HandshakeResponse41 decode(ByteBuf buf) {
        try {
            // The fixed part is laid out exactly as an SSL request.
            SslRequest fixed = SslRequest.decode(buf);
            int capabilities = fixed.capabilities();
            String user = WireStrings.readNul(buf);
            byte[] auth = AuthResponseField.read(buf, capabilities, true);
            String database = null;
            if (Capability.CONNECT_WITH_DB.isSet(capabilities) && buf.isReadable()) {
                database = WireStrings.readNul(buf);
            }
            String plugin = null;
            if (Capability.PLUGIN_AUTH.isSet(capabilities) && buf.isReadable()) {
                plugin = WireStrings.readNul(buf);
            }
            Map<String, String> attributes = null;
            if (Capability.CONNECT_ATTRS.isSet(capabilities) && buf.isReadable()) {
                attributes = ConnectAttributes.read(buf);
            }
            return new HandshakeResponse41(
                    capabilities,
                    fixed.maxPacketSize(),
                    fixed.characterSet(),
                    fixed.mariaDbCapabilities(),
                    user,
                    auth,
                    database,
                    plugin,
                    attributes);
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolException("truncated HandshakeResponse41", e);
        }
    }

    @Override
    public void encode(ByteBuf buf) {
        new SslRequest(capabilities, maxPacketSize, characterSet, mariaDbCapabilities).encode(buf);
        WireStrings.writeNul(buf, username);
        AuthResponseField.write(buf, authResponse, capabilities, true);
        if (Capability.CONNECT_WITH_DB.isSet(capabilities) && database != null) {
            WireStrings.writeNul(buf, database);
        }
        if (Capability.PLUGIN_AUTH.isSet(capabilities) && authPluginName != null) {
            WireStrings.writeNul(buf, authPluginName);
        }
        if (Capability.CONNECT_ATTRS.isSet(capabilities) && attributes != null) {
            ConnectAttributes.write(buf, attributes);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HandshakeResponse41 r
                && capabilities == r.capabilities
                && maxPacketSize == r.maxPacketSize
                && characterSet == r.characterSet
                && mariaDbCapabilities == r.mariaDbCapabilities
                && username.equals(r.username)
                && Arrays.equals(authResponse, r.authResponse)
                && Objects.equals(database, r.database)
                && Objects.equals(authPluginName, r.authPluginName)
                && Objects.equals(attributes, r.attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(capabilities, username, database, authPluginName);
    }

    /** Never prints the auth response: it is a password hash. */
    @Override
    public String toString() {
        return "HandshakeResponse41[user=" + username + ", database=" + database
                + ", capabilities=0x" + Integer.toHexString(capabilities) + ", charset=" + characterSet
                + ", plugin=" + authPluginName + ", attributes=" + attributes + "]";
    }
}

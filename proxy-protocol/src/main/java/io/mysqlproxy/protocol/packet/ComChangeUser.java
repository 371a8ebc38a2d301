package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * COM_CHANGE_USER. Its layout depends on the capabilities negotiated at connect, so encoding
 * uses the {@code capabilities} recorded here. {@code characterSet} is -1 when absent.
 */
public record ComChangeUser(
        int capabilities,
        String username,
        byte[] authResponse,
        String database,
        int characterSet,
        String authPluginName,
        Map<String, String> attributes)
        implements ClientPacket {

    public ComChangeUser {
        Objects.requireNonNull(username, "username");
        authResponse = authResponse == null ? new byte[0] : authResponse.clone();
        database = database == null ? "" : database;
    }

    @Override
    public byte[] authResponse() {
        return authResponse.clone();
    }

    /** Decodes a payload that starts with the command byte. */
    public static ComChangeUser decode(ByteBuf buf, int capabilities) {
        try {
            int command = buf.readUnsignedByte();
            if (command != CommandType.CHANGE_USER.code()) {
                throw new ProtocolException("not a COM_CHANGE_USER: 0x" + Integer.toHexString(command));
            }
            String user = WireStrings.readNul(buf);
            byte[] auth = AuthResponseField.read(buf, capabilities, false);
            String database = WireStrings.readNul(buf);
            int charset = -1;
            String plugin = null;
            Map<String, String> attributes = null;
            if (buf.readableBytes() >= 2) {
                charset = buf.readUnsignedShortLE();
                if (Capability.PLUGIN_AUTH.isSet(capabilities) && buf.isReadable()) {
                    plugin = WireStrings.readNul(buf);
                }
                if (Capability.CONNECT_ATTRS.isSet(capabilities) && buf.isReadable()) {
                    attributes = ConnectAttributes.read(buf);
                }
            }
            return new ComChangeUser(capabilities, user, auth, database, charset, plugin, attributes);
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolException("truncated COM_CHANGE_USER", e);
        }
    }

    @Override
    public void encode(ByteBuf buf) {
        buf.writeByte(CommandType.CHANGE_USER.code());
        WireStrings.writeNul(buf, username);
        AuthResponseField.write(buf, authResponse, capabilities, false);
        WireStrings.writeNul(buf, database);
        if (characterSet >= 0) {
            buf.writeShortLE(characterSet);
            if (Capability.PLUGIN_AUTH.isSet(capabilities) && authPluginName != null) {
                WireStrings.writeNul(buf, authPluginName);
            }
            if (Capability.CONNECT_ATTRS.isSet(capabilities) && attributes != null) {
                ConnectAttributes.write(buf, attributes);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ComChangeUser c
                && capabilities == c.capabilities
                && username.equals(c.username)
                && Arrays.equals(authResponse, c.authResponse)
                && database.equals(c.database)
                && characterSet == c.characterSet
                && Objects.equals(authPluginName, c.authPluginName)
                && Objects.equals(attributes, c.attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(username, database, characterSet, authPluginName);
    }

    @Override
    public String toString() {
        return "ComChangeUser[user=" + username + ", database=" + database + ", charset=" + characterSet + ", plugin="
                + authPluginName + "]";
    }
}

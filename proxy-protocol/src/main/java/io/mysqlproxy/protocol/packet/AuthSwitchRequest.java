package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.ProtocolException;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;
import java.util.Objects;

/** 0xFE during authentication: the server asks for another auth plugin, with fresh plugin data. */
public record AuthSwitchRequest(String pluginName, byte[] pluginData) implements ServerPacket {

    public static final int HEADER = 0xfe;

    public AuthSwitchRequest {
        Objects.requireNonNull(pluginName, "pluginName");
        pluginData = pluginData.clone();
    }

    @Override
    public byte[] pluginData() {
        return pluginData.clone();
    }

    /** The nonce for the scramble: the plugin data without its trailing NUL. */
    public byte[] scramble() {
        int length = pluginData.length;
        if (length > 0 && pluginData[length - 1] == 0) {
            length--;
        }
        return Arrays.copyOf(pluginData, length);
    }

    public static AuthSwitchRequest decode(ByteBuf buf) {
        int header = buf.readUnsignedByte();
        if (header != HEADER) {
            throw new ProtocolException("auth switch header must be 0xFE, not 0x" + Integer.toHexString(header));
        }
        return new AuthSwitchRequest(WireStrings.readNul(buf), WireStrings.readRestBytes(buf));
    }

    @Override
    public void encode(ByteBuf buf, int capabilities) {
        buf.writeByte(HEADER);
        WireStrings.writeNul(buf, pluginName);
        buf.writeBytes(pluginData);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthSwitchRequest r
                && pluginName.equals(r.pluginName)
                && Arrays.equals(pluginData, r.pluginData);
    }

    @Override
    public int hashCode() {
        return pluginName.hashCode() * 31 + Arrays.hashCode(pluginData);
    }

    @Override
    public String toString() {
        return "AuthSwitchRequest[plugin=" + pluginName + ", data=" + pluginData.length + " bytes]";
    }
}

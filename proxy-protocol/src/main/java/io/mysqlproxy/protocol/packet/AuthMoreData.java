package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.wire.ProtocolException;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * 0x01 during authentication: plugin-specific data. For caching_sha2_password a single byte
 * 0x03 means fast authentication succeeded, 0x04 asks for full authentication, and otherwise the
 * data is the server's RSA public key in PEM.
 */
public record AuthMoreData(byte[] data) implements ServerPacket {

    public static final int HEADER = 0x01;
    public static final byte FAST_AUTH_SUCCESS = 0x03;
    public static final byte PERFORM_FULL_AUTHENTICATION = 0x04;

    public AuthMoreData {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    public boolean isSingleByte(byte value) {
        return data.length == 1 && data[0] == value;
    }

    public static AuthMoreData decode(ByteBuf buf) {
        int header = buf.readUnsignedByte();
        if (header != HEADER) {
            throw new ProtocolException("auth-more-data header must be 0x01, not 0x" + Integer.toHexString(header));
        }
        return new AuthMoreData(WireStrings.readRestBytes(buf));
    }

    @Override
    public void encode(ByteBuf buf, int capabilities) {
        buf.writeByte(HEADER);
        buf.writeBytes(data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuthMoreData m && Arrays.equals(data, m.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "AuthMoreData[" + data.length + " bytes]";
    }
}

package io.mysqlproxy.protocol.packet;

import io.netty.buffer.ByteBuf;

/**
 * The truncated handshake response a client sends before switching to TLS: only the fixed part
 * of HandshakeResponse41, with the SSL capability set.
 */
public record SslRequest(int capabilities, int maxPacketSize, int characterSet, int mariaDbCapabilities)
        implements ClientPacket {

    public static final int LENGTH = HandshakeResponse41.FIXED_LENGTH;

    /** A handshake-response payload of exactly this length is an SSL request. */
    public static boolean matches(ByteBuf payload) {
        return payload.readableBytes() == LENGTH;
    }

    public static SslRequest decode(ByteBuf buf) {
        int capabilities = buf.readIntLE();
        int maxPacket = buf.readIntLE();
        int charset = buf.readUnsignedByte();
        buf.skipBytes(19);
        return new SslRequest(capabilities, maxPacket, charset, buf.readIntLE());
    }

    @Override
    public void encode(ByteBuf buf) {
        buf.writeIntLE(capabilities);
        buf.writeIntLE(maxPacketSize);
        buf.writeByte(characterSet);
        buf.writeZero(19);
        buf.writeIntLE(mariaDbCapabilities);
    }
}

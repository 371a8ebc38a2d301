package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * The server's greeting. {@code authPluginData} is kept exactly as sent (part 1 and part 2,
 * usually 20 scramble bytes and a trailing NUL) so that a decoded greeting re-encodes to the same
 * bytes; {@link #scramble()} gives the 20-byte nonce the auth plugins use.
 * {@code mariaDbCapabilities} is MariaDB's extended capability word, sent in the last four of the
 * ten reserved bytes when the server clears {@code CLIENT_MYSQL} (= LONG_PASSWORD).
 */
public record HandshakeV10(
        String serverVersion,
        long connectionId,
        byte[] authPluginData,
        int capabilities,
        int characterSet,
        int statusFlags,
        int mariaDbCapabilities,
        String authPluginName)
        implements ServerPacket {

    public static final int PROTOCOL_VERSION = 10;
    private static final int SCRAMBLE_LENGTH = 20;

    public HandshakeV10 {
        if (authPluginData.length < 8) {
            throw new ProtocolException("auth plugin data shorter than 8 bytes");
        }
        authPluginData = authPluginData.clone();
    }

    /** The nonce the auth plugins hash with the password: at most 20 bytes, trailing NUL dropped. */
    public byte[] scramble() {
        int length = Math.min(SCRAMBLE_LENGTH, authPluginData.length);
        if (length == authPluginData.length && length > 0 && authPluginData[length - 1] == 0) {
            length--;
        }
        return Arrays.copyOf(authPluginData, length);
    }

    @Override
    public byte[] authPluginData() {
        return authPluginData.clone();
    }

    public static HandshakeV10 decode(ByteBuf buf) {
        try {
            int protocol = buf.readUnsignedByte();
            if (protocol != PROTOCOL_VERSION) {
                throw new ProtocolException("unsupported handshake protocol version " + protocol);
            }
            String version = WireStrings.readNul(buf);
            long connectionId = buf.readUnsignedIntLE();
            byte[] part1 = new byte[8];
            buf.readBytes(part1);
            buf.skipBytes(1);
            int capabilities = buf.readUnsignedShortLE();
            int charset = 0;
            int status = 0;
            int mariaDbCapabilities = 0;
            byte[] data = part1;
            String plugin = null;
            if (buf.isReadable()) {
                charset = buf.readUnsignedByte();
                status = buf.readUnsignedShortLE();
                capabilities |= buf.readUnsignedShortLE() << 16;
                int dataLength = buf.readUnsignedByte();
                buf.skipBytes(6);
                mariaDbCapabilities = buf.readIntLE();
                if (Capability.SECURE_CONNECTION.isSet(capabilities)) {
                    int part2Length = Math.max(13, dataLength - 8);
                    data = new byte[8 + part2Length];
                    System.arraycopy(part1, 0, data, 0, 8);
                    buf.readBytes(data, 8, part2Length);
                }
                if (Capability.PLUGIN_AUTH.isSet(capabilities)) {
                    // Some old servers omit the terminator; the name then runs to the end.
                    plugin = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0) >= 0
                            ? WireStrings.readNul(buf)
                            : WireStrings.readRest(buf);
                }
            }
            return new HandshakeV10(
                    version, connectionId, data, capabilities, charset, status, mariaDbCapabilities, plugin);
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolException("truncated HandshakeV10", e);
        }
    }

    @Override
    public void encode(ByteBuf buf, int peerCapabilities) {
        buf.writeByte(PROTOCOL_VERSION);
        WireStrings.writeNul(buf, serverVersion);
        buf.writeIntLE((int) connectionId);
        buf.writeBytes(authPluginData, 0, 8);
        buf.writeByte(0);
        buf.writeShortLE(capabilities & 0xffff);
        buf.writeByte(characterSet);
        buf.writeShortLE(statusFlags);
        buf.writeShortLE(capabilities >>> 16);
        buf.writeByte(Capability.PLUGIN_AUTH.isSet(capabilities) ? authPluginData.length : 0);
        buf.writeZero(6);
        buf.writeIntLE(mariaDbCapabilities);
        if (Capability.SECURE_CONNECTION.isSet(capabilities)) {
            buf.writeBytes(authPluginData, 8, authPluginData.length - 8);
        }
        if (Capability.PLUGIN_AUTH.isSet(capabilities)) {
            WireStrings.writeNul(buf, authPluginName);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HandshakeV10 h
                && serverVersion.equals(h.serverVersion)
                && connectionId == h.connectionId
                && Arrays.equals(authPluginData, h.authPluginData)
                && capabilities == h.capabilities
                && characterSet == h.characterSet
                && statusFlags == h.statusFlags
                && mariaDbCapabilities == h.mariaDbCapabilities
                && java.util.Objects.equals(authPluginName, h.authPluginName);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(serverVersion, connectionId, Arrays.hashCode(authPluginData), capabilities);
    }

    @Override
    public String toString() {
        return "HandshakeV10[version=" + serverVersion + ", connectionId=" + connectionId
                + ", capabilities=0x" + Integer.toHexString(capabilities) + ", charset=" + characterSet
                + ", status=0x" + Integer.toHexString(statusFlags) + ", plugin=" + authPluginName + "]";
    }
}

package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;

/**
 * The auth-response field of HandshakeResponse41 and COM_CHANGE_USER, whose form depends on the
 * capabilities: length-encoded (PLUGIN_AUTH_LENENC_CLIENT_DATA, handshake response only), a
 * one-byte length (SECURE_CONNECTION), or NUL-terminated (pre-4.1 clients).
 */
final class AuthResponseField {

    private AuthResponseField() {}

    static byte[] read(ByteBuf buf, int capabilities, boolean lenencAllowed) {
        if (lenencAllowed && Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA.isSet(capabilities)) {
            byte[] bytes = Lenenc.readBytes(buf);
            return bytes == null ? new byte[0] : bytes;
        }
        if (Capability.SECURE_CONNECTION.isSet(capabilities)) {
            byte[] bytes = new byte[buf.readUnsignedByte()];
            buf.readBytes(bytes);
            return bytes;
        }
        return WireStrings.readNulBytes(buf);
    }

    static void write(ByteBuf buf, byte[] response, int capabilities, boolean lenencAllowed) {
        if (lenencAllowed && Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA.isSet(capabilities)) {
            Lenenc.writeBytes(buf, response);
        } else if (Capability.SECURE_CONNECTION.isSet(capabilities)) {
            buf.writeByte(response.length).writeBytes(response);
        } else {
            WireStrings.writeNul(buf, response);
        }
    }
}

package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.ServerStatus;
import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.mysqlproxy.protocol.wire.WireStrings;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;
import java.util.Objects;

/**
 * OK packet. {@code header} is 0x00, or 0xFE when it ends a result set under DEPRECATE_EOF.
 * With SESSION_TRACK, {@code info} is {@code null} when the server left the field out, and
 * {@code sessionState} holds the raw session-state-change block when SESSION_STATE_CHANGED is set.
 */
public record OkPacket(
        int header,
        long affectedRows,
        long lastInsertId,
        int statusFlags,
        int warnings,
        String info,
        byte[] sessionState)
        implements ServerPacket {

    public static final int HEADER = 0x00;
    public static final int EOF_HEADER = 0xfe;

    public OkPacket {
        if (header != HEADER && header != EOF_HEADER) {
            throw new ProtocolException("OK packet header must be 0x00 or 0xFE, not 0x" + Integer.toHexString(header));
        }
        sessionState = sessionState == null ? null : sessionState.clone();
    }

    /** A plain OK with the given status and nothing else. */
    public static OkPacket of(int statusFlags) {
        return new OkPacket(HEADER, 0, 0, statusFlags, 0, null, null);
    }

    @Override
    public byte[] sessionState() {
        return sessionState == null ? null : sessionState.clone();
    }

    public static OkPacket decode(ByteBuf buf, int capabilities) {
        try {
            int header = buf.readUnsignedByte();
            long affected = Lenenc.readInt(buf);
            long insertId = Lenenc.readInt(buf);
            int status = 0;
            int warnings = 0;
            if (Capability.PROTOCOL_41.isSet(capabilities)) {
                status = buf.readUnsignedShortLE();
                warnings = buf.readUnsignedShortLE();
            }
            String info = null;
            byte[] state = null;
            if (Capability.SESSION_TRACK.isSet(capabilities)) {
                if (buf.isReadable()) {
                    info = Lenenc.readString(buf);
                    if (ServerStatus.SESSION_STATE_CHANGED.isSet(status) && buf.isReadable()) {
                        state = Lenenc.readBytes(buf);
                    }
                }
            } else if (buf.isReadable()) {
                info = WireStrings.readRest(buf);
            }
            return new OkPacket(header, affected, insertId, status, warnings, info, state);
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolException("truncated OK packet", e);
        }
    }

    @Override
    public void encode(ByteBuf buf, int capabilities) {
        buf.writeByte(header);
        Lenenc.writeInt(buf, affectedRows);
        Lenenc.writeInt(buf, lastInsertId);
        if (Capability.PROTOCOL_41.isSet(capabilities)) {
            buf.writeShortLE(statusFlags);
            buf.writeShortLE(warnings);
        }
        if (Capability.SESSION_TRACK.isSet(capabilities)) {
            if (info != null || sessionState != null) {
                Lenenc.writeString(buf, info == null ? "" : info);
                if (sessionState != null) {
                    Lenenc.writeBytes(buf, sessionState);
                }
            }
        } else if (info != null) {
            WireStrings.writeRest(buf, info);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OkPacket p
                && header == p.header
                && affectedRows == p.affectedRows
                && lastInsertId == p.lastInsertId
                && statusFlags == p.statusFlags
                && warnings == p.warnings
                && Objects.equals(info, p.info)
                && Arrays.equals(sessionState, p.sessionState);
    }

    @Override
    public int hashCode() {
        return Objects.hash(header, affectedRows, lastInsertId, statusFlags, warnings, info);
    }

    @Override
    public String toString() {
        return "OkPacket[header=0x" + Integer.toHexString(header) + ", affectedRows=" + affectedRows
                + ", lastInsertId=" + lastInsertId + ", status=0x" + Integer.toHexString(statusFlags)
                + ", warnings=" + warnings + ", info=" + info
                + ", sessionState=" + (sessionState == null ? "none" : sessionState.length + " bytes") + "]";
    }
}

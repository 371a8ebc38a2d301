package io.mysqlproxy.protocol.packet;

import io.mysqlproxy.protocol.flag.MariaDbCapability;
import io.mysqlproxy.protocol.wire.Lenenc;
import io.mysqlproxy.protocol.wire.ProtocolException;
import io.netty.buffer.ByteBuf;

import java.util.Objects;

/**
 * Column definition (Protocol::ColumnDefinition41), one per column after a result set's column
 * count. Relayed result sets pass through undecoded; the proxy builds these only for the result
 * sets it answers itself. Under MariaDB's {@link MariaDbCapability#EXTENDED_METADATA} a column
 * carries its {@link ExtendedTypeInfo} between the names and the fixed fields; without it that field
 * is absent from the wire, so a peer's MariaDB capabilities decide the layout as its capabilities do.
 *
 * @param extended     MariaDB's extended type information, {@link ExtendedTypeInfo#NONE} for none
 * @param characterSet collation id of the values: {@link #UTF8MB4_GENERAL_CI} for text, {@link #BINARY} for numbers
 * @param columnLength maximum length in bytes, as the server would report it
 * @param type         a {@code MYSQL_TYPE_*} code, e.g. {@link #TYPE_VAR_STRING}
 * @param flags        {@code *_FLAG} bits, e.g. {@link #NOT_NULL_FLAG}
 */
public record ColumnDefinition41(
        String catalog,
        String schema,
        String table,
        String orgTable,
        String name,
        String orgName,
        ExtendedTypeInfo extended,
        int characterSet,
        long columnLength,
        int type,
        int flags,
        int decimals)
        implements ServerPacket {

    public static final int TYPE_LONGLONG = 0x08;
    public static final int TYPE_VAR_STRING = 0xfd;
    public static final int NOT_NULL_FLAG = 0x0001;
    public static final int BINARY_FLAG = 0x0080;
    public static final int UTF8MB4_GENERAL_CI = 45;
    public static final int BINARY = 63;
    /** The length of the fixed-size fields that follow the names; always 0x0c. */
    private static final int FIXED_FIELDS = 0x0c;
    /** Bytes of text a proxy-built text column announces: 1024 utf8mb4 characters. */
    private static final int TEXT_LENGTH = 4 * 1024;
    /** Digits and sign of a BIGINT. */
    private static final int BIGINT_LENGTH = 20;

    public ColumnDefinition41 {
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(orgTable, "orgTable");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(orgName, "orgName");
        Objects.requireNonNull(extended, "extended");
    }

    /** A utf8mb4 text column of a result set the proxy computes (no schema or table), which may hold NULL. */
    public static ColumnDefinition41 text(String name) {
        return new ColumnDefinition41(
                "def",
                "",
                "",
                "",
                name,
                name,
                ExtendedTypeInfo.NONE,
                UTF8MB4_GENERAL_CI,
                TEXT_LENGTH,
                TYPE_VAR_STRING,
                0,
                0);
    }

    /** A BIGINT column of a result set the proxy computes, which may hold NULL. */
    public static ColumnDefinition41 bigint(String name) {
        return new ColumnDefinition41(
                "def",
                "",
                "",
                "",
                name,
                name,
                ExtendedTypeInfo.NONE,
                BINARY,
                BIGINT_LENGTH,
                TYPE_LONGLONG,
                BINARY_FLAG,
                0);
    }

    /** Decodes a column definition sent to a peer without MariaDB's extended metadata. */
    public static ColumnDefinition41 decode(ByteBuf buf) {
        return decode(buf, 0);
    }

    /** Decodes a column definition sent to a peer with these MariaDB extended capabilities. */
    public static ColumnDefinition41 decode(ByteBuf buf, int mariaDbCapabilities) {
        try {
            String catalog = Lenenc.readString(buf);
            String schema = Lenenc.readString(buf);
            String table = Lenenc.readString(buf);
            String orgTable = Lenenc.readString(buf);
            String name = Lenenc.readString(buf);
            String orgName = Lenenc.readString(buf);
            ExtendedTypeInfo extended = MariaDbCapability.EXTENDED_METADATA.isSet(mariaDbCapabilities)
                    ? ExtendedTypeInfo.read(buf)
                    : ExtendedTypeInfo.NONE;
            long fixed = Lenenc.readInt(buf);
            if (fixed != FIXED_FIELDS) {
                throw new ProtocolException("column definition has " + fixed + " bytes of fixed fields, not 12");
            }
            int characterSet = buf.readUnsignedShortLE();
            long columnLength = buf.readUnsignedIntLE();
            int type = buf.readUnsignedByte();
            int flags = buf.readUnsignedShortLE();
            int decimals = buf.readUnsignedByte();
            buf.skipBytes(2);
            if (catalog == null
                    || schema == null
                    || table == null
                    || orgTable == null
                    || name == null
                    || orgName == null) {
                throw new ProtocolException("column definition with a NULL name");
            }
            return new ColumnDefinition41(
                    catalog,
                    schema,
                    table,
                    orgTable,
                    name,
                    orgName,
                    extended,
                    characterSet,
                    columnLength,
                    type,
                    flags,
                    decimals);
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolException("truncated column definition", e);
        }
    }

    /** Writes the column for a peer without MariaDB's extended metadata: {@link #extended} is left out. */
    @Override
    public void encode(ByteBuf buf, int capabilities) {
        encode(buf, capabilities, 0);
    }

    /**
     * Writes the column for a peer with these capabilities and MariaDB extended capabilities: with
     * {@link MariaDbCapability#EXTENDED_METADATA} the extended type information is always there, if
     * only as an empty string, since the peer reads the field by position.
     */
    public void encode(ByteBuf buf, int capabilities, int mariaDbCapabilities) {
        Lenenc.writeString(buf, catalog);
        Lenenc.writeString(buf, schema);
        Lenenc.writeString(buf, table);
        Lenenc.writeString(buf, orgTable);
        Lenenc.writeString(buf, name);
        Lenenc.writeString(buf, orgName);
        if (MariaDbCapability.EXTENDED_METADATA.isSet(mariaDbCapabilities)) {
            extended.write(buf);
        }
        Lenenc.writeInt(buf, FIXED_FIELDS);
        buf.writeShortLE(characterSet);
        buf.writeIntLE((int) columnLength);
        buf.writeByte(type);
        buf.writeShortLE(flags);
        buf.writeByte(decimals);
        buf.writeZero(2);
    }
}

package io.mysqlproxy.core.session;

import static io.mysqlproxy.core.session.Wire.packets;

/**
 * Server responses captured from MariaDB 10.11 on loopback (proxy-protocol's
 * {@code golden/mariadb-commands-deprecate-eof-{on,off}.golden}), as whole frames: what a backend
 * sends and, relayed undecoded, what the client must receive byte for byte. Table {@code app.golden}
 * holds three rows; status 0x0002 is SERVER_STATUS_AUTOCOMMIT, 0x0022 adds LAST_ROW_SENT.
 */
final class GoldenResponses {

    static final String ID_COLUMN =
            "03646566 03617070 06676f6c64656e 06676f6c64656e 026964 026964 0c 3f00 0b000000 03 0350 00 0000";
    private static final String NAME_COLUMN =
            "03646566 03617070 06676f6c64656e 06676f6c64656e 046e616d65 046e616d65 0c 2d00 50000000 fd 0000 00 0000";
    private static final String PRICE_COLUMN = "03646566 03617070 06676f6c64656e 06676f6c64656e 057072696365"
            + " 057072696365 0c 3f00 0a000000 f6 0000 02 0000";
    private static final String BORN_COLUMN =
            "03646566 03617070 06676f6c64656e 06676f6c64656e 04626f726e 04626f726e 0c 3f00 0a000000 0a 8000 00 0000";
    private static final String DATA_COLUMN =
            "03646566 03617070 06676f6c64656e 06676f6c64656e 0464617461 0464617461 0c 3f00 ffff0000 fc 9000 00 0000";
    private static final String NOTE_COLUMN =
            "03646566 03617070 06676f6c64656e 06676f6c64656e 046e6f7465 046e6f7465 0c 2d00 fcff0300 fc 1000 00 0000";
    /** Row 1: "1", "one", "1.50", "2001-02-03", x'00ff', NULL. */
    private static final String ROW_1 = "0131 036f6e65 04312e3530 0a323030312d30322d3033 0200ff fb";
    /** Row 2: "2", "two", NULL, NULL, NULL, "second row". */
    private static final String ROW_2 = "0132 0374776f fb fb fb 0a7365636f6e6420726f77";
    /** Row 3: "3", "three", "3.25", "1999-12-31", x'' (empty), "". */
    private static final String ROW_3 = "0133 057468726565 04332e3235 0a313939392d31322d3331 00 00";

    /** {@code SELECT * FROM golden ORDER BY id}. */
    static final String SELECT = "SELECT * FROM golden ORDER BY id";

    /** The answer to {@link #SELECT} with CLIENT_DEPRECATE_EOF: no EOF after the columns, an OK (0xfe) at the end. */
    static final byte[] SELECT_EOF_ON = packets(
            1,
            "06", // 6 columns
            2,
            ID_COLUMN,
            3,
            NAME_COLUMN,
            4,
            PRICE_COLUMN,
            5,
            BORN_COLUMN,
            6,
            DATA_COLUMN,
            7,
            NOTE_COLUMN,
            8,
            ROW_1,
            9,
            ROW_2,
            10,
            ROW_3,
            11,
            "fe 00 00 2200 0000"); // OK as EOF: 0 rows affected, no insert id, status 0x0022

    /** {@code SELECT * FROM golden ORDER BY id}, captured without CLIENT_DEPRECATE_EOF (two more rows by then). */
    static final byte[] SELECT_EOF_OFF = packets(
            1,
            "06",
            2,
            ID_COLUMN,
            3,
            NAME_COLUMN,
            4,
            PRICE_COLUMN,
            5,
            BORN_COLUMN,
            6,
            DATA_COLUMN,
            7,
            NOTE_COLUMN,
            8,
            "fe 0000 2200", // EOF after the columns: no warnings, status 0x0022
            9,
            ROW_1,
            10,
            ROW_2,
            11,
            ROW_3,
            12,
            "023130 fb fb fb fb fb", // row "10", NULLs
            13,
            "023131 fb fb fb fb fb", // row "11", NULLs
            14,
            "fe 0000 2200"); // EOF after the rows

    /** The first three packets of the answer to {@link #SELECT}, either way: the column count and two column definitions. */
    static final byte[] SELECT_FIRST_THREE = packets(1, "06", 2, ID_COLUMN, 3, NAME_COLUMN);

    static final String EMPTY_SELECT = "SELECT id FROM golden WHERE id < 0";

    /** The answer to {@link #EMPTY_SELECT} with CLIENT_DEPRECATE_EOF: one column, no rows. */
    static final byte[] EMPTY_SELECT_EOF_ON = packets(1, "01", 2, ID_COLUMN, 3, "fe 00 00 0200 0000");

    /** {@link #EMPTY_SELECT} without CLIENT_DEPRECATE_EOF: an EOF after the column and one after the (no) rows. */
    static final byte[] EMPTY_SELECT_EOF_OFF = packets(1, "01", 2, ID_COLUMN, 3, "fe 0000 0200", 4, "fe 0000 0200");

    static final String UPDATE = "UPDATE golden SET name = name WHERE id = 1";

    /** OK: 0 rows affected, no insert id, status 0x0002, no warnings, info "Rows matched: 1  Changed: 0  Warnings: 0". */
    static final byte[] UPDATE_OK = packets(
            1,
            "00 00 00 0200 0000"
                    + " 28526f7773206d6174636865643a203120204368616e6765643a203020205761726e696e67733a2030");

    static final String NO_SUCH_TABLE = "SELECT * FROM no_such_table";

    /** ERR 1146 (0x047a), SQL state 42S02: "Table 'app.no_such_table' doesn't exist". */
    static final byte[] NO_SUCH_TABLE_ERR = packets(
            1,
            "ff 7a04 23 3432533032"
                    + " 5461626c6520276170702e6e6f5f737563685f7461626c652720646f65736e2774206578697374");

    static final String LOAD_DATA = "LOAD DATA LOCAL INFILE 'golden.csv' INTO TABLE golden (id, name)";

    /** The server asks for the client's file: 0xfb and the file name "golden.csv". */
    static final byte[] LOCAL_INFILE_REQUEST = packets(1, "fb 676f6c64656e2e637376");

    /** The client's file, "10,ten\n11,eleven\n", in one packet, and the empty packet that ends the upload. */
    static final byte[] LOCAL_INFILE_UPLOAD = packets(2, "31302c74656e0a31312c656c6576656e0a", 3, "");

    /** OK: 2 rows affected, status 0x8002, 4 warnings, info "Records: 2  Deleted: 0  Skipped: 0  Warnings: 4". */
    static final byte[] LOCAL_INFILE_OK = packets(
            4,
            "00 02 00 0280 0400"
                    + " 2f5265636f7264733a2032202044656c657465643a20302020536b69707065643a203020205761726e696e67733a2034");

    /** An OK at {@code sequence} with status {@code status} and nothing else (as COM_RESET_CONNECTION's, 0x0002). */
    static byte[] ok(int sequence, int status) {
        return packets(sequence, String.format("00 00 00 %02x%02x 0000", status & 0xff, status >>> 8));
    }

    private GoldenResponses() {}
}

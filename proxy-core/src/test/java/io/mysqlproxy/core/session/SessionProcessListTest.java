package io.mysqlproxy.core.session;

import io.mysqlproxy.protocol.flag.CommandType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * SHOW [FULL] PROCESSLIST is answered by the proxy from its sessions, in MySQL's columns, and never
 * reaches a server; Info is cut at 100 characters unless FULL.
 */
class SessionProcessListTest {

    private SessionRig rig;

    @AfterEach
    void finish() {
        if (rig != null) {
            rig.finish();
        }
    }

    @Test
    void theSessionListsItselfWithItsProxyId() {
        rig = new SessionRig(0, true);
        for (String show :
                new String[] {"SHOW PROCESSLIST", "show full processlist", "/* x */ SHOW FULL PROCESSLIST;"}) {
            rig.clientSends(query(show));
            rig.client.runPendingTasks();
            List<List<String>> rows = rows(rig.clientReceived(), 8);
            assertEquals(
                    List.of(List.of(
                            String.valueOf(SessionRig.CONNECTION_ID),
                            SessionRig.USER,
                            "10.0.0.7:50000",
                            SessionRig.SCHEMA,
                            "Query",
                            "0",
                            "executing",
                            show)),
                    rows,
                    show);
        }
        assertEquals(0, serverReceived(rig.loginConnection).length, "nothing reaches the primary");
    }

    @Test
    void infoIsCutAtAHundredCharactersWithoutFull() {
        String text = "SELECT '" + "x".repeat(200) + "'";
        SessionInfo info = new SessionInfo(
                7,
                "app",
                "10.0.0.1:1",
                "10.0.0.1",
                0,
                0,
                1024,
                Duration.ofHours(1),
                Duration.ofHours(8),
                new byte[20],
                false);
        Command running = new Command(CommandType.QUERY, null, null, null, null);
        ProcessListRow row = ProcessListRow.of(info, "db", running, 3_500_000_000L, text);
        assertEquals(text.substring(0, 100), string(row, false));
        assertEquals(text, string(row, true));
        assertEquals(3, row.seconds());

        ProcessListRow idle = ProcessListRow.of(info, null, null, 0, "ignored");
        assertEquals("Sleep", idle.command());
        assertNull(idle.info());
        assertNull(idle.db());
    }

    private static String string(ProcessListRow row, boolean full) {
        return new String(row.toTextRow(full).values().get(7), StandardCharsets.UTF_8);
    }

    /**
     * The rows of a text result set with CLIENT_DEPRECATE_EOF ({@code columns} definitions, rows, an OK):
     * each cell a lenenc string (under 251 bytes here) or NULL.
     */
    private static List<List<String>> rows(byte[] response, int columns) {
        List<byte[]> packets = new ArrayList<>();
        for (int p = 0; p < response.length; ) {
            int length = (response[p] & 0xff) | (response[p + 1] & 0xff) << 8 | (response[p + 2] & 0xff) << 16;
            packets.add(Arrays.copyOfRange(response, p + 4, p + 4 + length));
            p += 4 + length;
        }
        assertEquals(columns, packets.get(0)[0], "the column count");
        List<List<String>> rows = new ArrayList<>();
        for (byte[] row : packets.subList(1 + columns, packets.size() - 1)) {
            List<String> cells = new ArrayList<>();
            for (int p = 0; p < row.length; ) {
                int length = row[p] & 0xff;
                if (length == 0xfb) {
                    cells.add(null);
                    p++;
                } else {
                    cells.add(new String(row, p + 1, length, StandardCharsets.UTF_8));
                    p += 1 + length;
                }
            }
            rows.add(cells);
        }
        return rows;
    }
}

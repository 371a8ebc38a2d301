package io.mysqlproxy.core.session;

import io.mysqlproxy.core.report.SessionStatus;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.protocol.flag.CommandType;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.mysqlproxy.core.session.SessionRig.serverReceived;
import static io.mysqlproxy.core.session.Wire.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void aTextThatMayCarryAPasswordHasNoInfo() {
        SessionInfo info = info();
        Command running = new Command(CommandType.QUERY, null, null, null, null);
        for (String secret : new String[] {
            "ALTER USER app IDENTIFIED BY 'pw'",
            "SET PASSWORD FOR app = 'pw'",
            "CREATE USER other IDENTIFIED BY 'pw'",
            "GRANT ALL ON *.* TO app IDENTIFIED BY 'pw'",
            "CHANGE MASTER TO MASTER_PASSWORD = 'pw'",
            "CHANGE REPLICATION SOURCE TO SOURCE_PASSWORD = 'pw'",
            "START REPLICA USER = 'r' PASSWORD = 'pw'"
        }) {
            ProcessListRow row = ProcessListRow.of(info, "db", running, 0, secret);
            assertNull(row.info(), secret);
            assertEquals("Query", row.command(), secret);
        }
        assertEquals(
                "SELECT 'pw'",
                ProcessListRow.of(info, "db", running, 0, "SELECT 'pw'").info());
    }

    @Test
    void aSessionThatNeverDescribesItselfDelaysTheAnswerOnlyBriefly() {
        rig = new SessionRig(0, true);
        rig.client.freezeTime();
        List<Promise<ProcessListRow>> asked = new ArrayList<>();
        SilentSession silent = new SilentSession(rig.client.eventLoop(), asked);
        rig.services.sessions().add(SessionRig.CONNECTION_ID + 1, silent);
        rig.clientSends(query("SHOW PROCESSLIST"));
        rig.client.runPendingTasks();
        assertEquals(1, asked.size(), "the other session was asked");
        assertEquals(0, rig.clientReceived().length, "the answer waits for the other session's row");

        rig.client.advanceTimeBy(ProcessListAnswer.ROWS_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        rig.client.runScheduledPendingTasks();
        List<List<String>> rows = rows(rig.clientReceived(), 8);
        assertEquals(1, rows.size(), "the rows there are, without the silent session's");
        assertEquals(String.valueOf(SessionRig.CONNECTION_ID), rows.get(0).get(0));
        rig.services.sessions().remove(SessionRig.CONNECTION_ID + 1, silent);

        // The session goes on; the late row changes nothing.
        asked.get(0).trySuccess(null);
        rig.client.runPendingTasks();
        assertEquals(0, rig.clientReceived().length);
        rig.clientSends(query("SHOW PROCESSLIST"));
        rig.client.runPendingTasks();
        assertEquals(1, rows(rig.clientReceived(), 8).size());
    }

    @Test
    void aSessionFailingToDescribeItselfIsLeftOut() {
        EmbeddedChannel channel = new EmbeddedChannel();
        SessionEnd.Session failing = new SessionEnd.Session() {
            @Override
            public void releaseCommands() {}

            @Override
            public boolean atTransactionBoundary() {
                return true;
            }

            @Override
            public boolean mayClose(Leg leg) {
                return true;
            }

            @Override
            public ProcessListRow processListRow() {
                throw new IllegalStateException("broken");
            }
        };
        SessionEnd end =
                new SessionEnd(failing, channel, new SessionIdentity(info(), null), null, null, null, null, null);
        Promise<ProcessListRow> row = channel.eventLoop().newPromise();
        end.describeFor("app", true, row);
        channel.runPendingTasks();
        assertTrue(row.isSuccess(), "completed, so the asking session answers");
        assertNull(row.getNow());
        channel.finishAndReleaseAll();
    }

    private static SessionInfo info() {
        return new SessionInfo(
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
    }

    /** A session whose loop never gets to describe it: keeps the promise it was asked to complete. */
    private record SilentSession(EventLoop eventLoop, List<Promise<ProcessListRow>> asked) implements LiveSession {
        @Override
        public void drain() {}

        @Override
        public void shutDown(String reason) {}

        @Override
        public void backendDown(Backend backend) {}

        @Override
        public void killedBy(String user, boolean query, Promise<Boolean> outcome) {
            outcome.trySuccess(false);
        }

        @Override
        public void describeFor(String user, boolean everyone, Promise<ProcessListRow> row) {
            asked.add(row);
        }

        @Override
        public void statusFor(String user, boolean everyone, Promise<SessionStatus> status) {
            status.trySuccess(null);
        }
    }

    private static String string(ProcessListRow row, boolean full) {
        return new String(row.toTextRow(full).values().get(7), StandardCharsets.UTF_8);
    }

    /**
     * The rows of a text result set with CLIENT_DEPRECATE_EOF ({@code columns} definitions, rows, an OK):
     * each cell a lenenc string (under 251 bytes here) or NULL.
     */
    static List<List<String>> rows(byte[] response, int columns) {
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

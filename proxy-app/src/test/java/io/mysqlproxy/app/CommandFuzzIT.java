package io.mysqlproxy.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mysqlproxy.core.pool.BackendPool;
import io.mysqlproxy.core.topology.Backend;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After a proper login, 50,000 commands with every command byte (0x00 to 0x1f, and some beyond) and
 * random or truncated bodies, a few at a time, each batch followed by a query whose answer must come
 * back: the session answers every one (or, at worst, ends with an error packet and a close), no
 * client ever sees a backend blamed (1158) or the proxy's own failure (1105), nothing is logged as an
 * error, no backend connection is lost or closed as failed (LegFailures logs nothing), and another session, running the whole time, sees
 * nothing of it. No buffer may leak: Netty's leak detector runs at PARANOID in the ITs.
 */
@ExtendWith(TestBedExtension.class)
class CommandFuzzIT {

    private static final org.slf4j.Logger log = LoggerFactory.getLogger(CommandFuzzIT.class);

    private static final int COMMANDS = Integer.getInteger("fuzz.commands", 50_000);
    private static final long SEED = Long.getLong("fuzz.seed", 20261206L);
    private static final int ER_NET_READ_ERROR = 1158;
    private static final int ER_UNKNOWN_ERROR = 1105;
    private static final int COM_CREATE_DB = 0x05;
    private static final int COM_DROP_DB = 0x06;
    private static final int COM_PROCESS_KILL = 0x0c;
    /** Beyond COM_RESET_CONNECTION: unassigned bytes, and MariaDB's COM_STMT_BULK_EXECUTE (0xfa) and COM_MULTI (0xfe). */
    private static final int[] OTHER_BYTES = {0x20, 0x7f, 0xfa, 0xfe, 0xff};

    private final Random random = new Random(SEED);
    private final int[] sentByCommand = new int[256];
    /** Batches the proxy neither answered nor ended within the read timeout, as their command bytes. */
    private final List<String> unanswered = new ArrayList<>();

    private int sync;

    @Test
    void everyCommandWithRandomAndTruncatedBodiesIsAnsweredAndHurtsNoOne(ReplicatedTestBed bed) throws Exception {
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(events);
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP)) {
            AtomicBoolean fuzzing = new AtomicBoolean(true);
            CompletableFuture<Integer> bystander = CompletableFuture.supplyAsync(() -> bystander(proxy, fuzzing));
            int sent = 0;
            int sessions = 0;
            int ended = 0;
            long start = System.nanoTime();
            try {
                while (sent < COMMANDS) {
                    Session session = session(proxy.port());
                    sent += session.sent;
                    sessions++;
                    ended += session.ended ? 1 : 0;
                }
            } finally {
                fuzzing.set(false);
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            int bystanderRounds = bystander.get(60, TimeUnit.SECONDS);

            Map<String, Long> discards = new TreeMap<>();
            for (Backend backend : proxy.server().runtime().topology().all()) {
                BackendPool pool = proxy.server().runtime().pools().find(backend);
                discards.put(backend.name(), pool == null ? 0 : pool.discards());
            }
            String figures = "seed " + SEED + ": " + sent + " commands in " + sessions + " sessions (" + ended
                    + " ended by the proxy) in " + seconds + " s; bystander rounds " + bystanderRounds
                    + "; discarded backend connections " + discards + "; by command " + sentByCommand();
            log.info("{}", figures);
            List<String> problems = new ArrayList<>();
            for (ILoggingEvent event : events.list) {
                String message = event.getFormattedMessage();
                if (event.getLevel().isGreaterOrEqual(Level.ERROR)
                        || message.contains("reached at the tail of the pipeline")
                        || message.contains("Lost connection")
                        // Any backend connection lost or closed as failed while the servers were up.
                        || event.getLoggerName().endsWith(".LegFailures")) {
                    problems.add(event.getLevel() + " " + event.getLoggerName() + ": " + message);
                }
            }
            assertEquals(List.of(), unanswered, "batches without an answer or an end; " + figures);
            assertEquals(List.of(), problems, figures);
            assertTrue(bystanderRounds > 0, figures);
            // A session the proxy ends mid-command closes its legs; one between commands has none in use.
            long discarded =
                    discards.values().stream().mapToLong(Long::longValue).sum();
            assertTrue(discarded <= 3L * ended, "backend connections closed: " + figures);
        } finally {
            root.detachAppender(events);
        }
    }

    /** What one fuzzing session did. */
    private record Session(int sent, boolean ended) {}

    /** Logs in, then sends batches of one to eight fuzzed commands, each batch followed by a query to sync on. */
    private Session session(int port) throws IOException {
        try (RawClient client = new RawClient(port)) {
            assertEquals(
                    0, client.login(DbAccount.APP.user(), DbAccount.APP.password(), ReplicatedTestBed.APP_DATABASE));
            client.timeout(Integer.getInteger("fuzz.timeout-ms", 5_000));
            int sent = 0;
            int batches = 1 + random.nextInt(200);
            for (int b = 0; b < batches; b++) {
                int batch = 1 + random.nextInt(8);
                List<String> commands = new ArrayList<>();
                try {
                    for (int i = 0; i < batch; i++) {
                        byte[] command = command();
                        commands.add(io.netty.buffer.ByteBufUtil.hexDump(command));
                        client.sendRaw(RawClient.frame(0, command));
                        sent++;
                    }
                    String marker = "sync-" + (++sync);
                    client.sendRaw(
                            RawClient.frame(0, ("\u0003SELECT '" + marker + "'").getBytes(StandardCharsets.US_ASCII)));
                    if (!readUntil(client, marker)) {
                        return new Session(sent, true);
                    }
                } catch (java.net.SocketTimeoutException e) {
                    unanswered.add(String.join(" ", commands));
                    return new Session(sent, true);
                } catch (IOException closed) {
                    // The proxy closed the session while the batch went out (COM_QUIT, a failed COM_CHANGE_USER).
                    return new Session(sent, true);
                }
            }
            return new Session(sent, false);
        }
    }

    /**
     * Reads the answers of a batch up to the row holding {@code marker} and the end of its result; false if
     * the session ended first (cleanly: the proxy closed it, after an ERR packet or a COM_QUIT). No answer
     * may be error 1158 or 1105.
     */
    private static boolean readUntil(RawClient client, String marker) throws IOException {
        byte[] row = new byte[1 + marker.length()];
        row[0] = (byte) marker.length();
        System.arraycopy(marker.getBytes(StandardCharsets.US_ASCII), 0, row, 1, marker.length());
        byte[] frame;
        while ((frame = client.readFrame()) != null) {
            byte[] payload = Arrays.copyOfRange(frame, 4, frame.length);
            if (payload.length > 3 && (payload[0] & 0xff) == 0xff) {
                int code = (payload[1] & 0xff) | (payload[2] & 0xff) << 8;
                String message = new String(payload, 3, payload.length - 3, StandardCharsets.UTF_8);
                if (code == ER_NET_READ_ERROR || code == ER_UNKNOWN_ERROR) {
                    throw new AssertionError("error " + code + " to a fuzzing client: " + message);
                }
            }
            if (Arrays.equals(payload, row)) {
                // The end of the sync query's result set (OK or EOF) follows its one row.
                return client.readFrame() != null;
            }
        }
        return false;
    }

    /** A command byte, then a body: random bytes, or a plausible body cut short or mutated. */
    private byte[] command() {
        int code = random.nextInt(10) == 0 ? OTHER_BYTES[random.nextInt(OTHER_BYTES.length)] : random.nextInt(0x20);
        sentByCommand[code]++;
        byte[] body = switch (code) {
            // A database name too long to exist or be created: random names must not touch the shared servers.
            case COM_CREATE_DB, COM_DROP_DB -> randomBytes(65 + random.nextInt(20));
            default ->
                random.nextBoolean() ? randomBytes(random.nextInt(random.nextInt(8) == 0 ? 300 : 24)) : plausible(code);
        };
        if (code == COM_PROCESS_KILL && body.length >= 4) {
            body[3] = 0x7f; // never a live proxy connection id (the bystander's)
        }
        byte[] payload = new byte[1 + body.length];
        payload[0] = (byte) code;
        System.arraycopy(body, 0, payload, 1, body.length);
        return payload;
    }

    /** A body of the right shape for {@code code}, truncated at a random point or with a byte changed. */
    private byte[] plausible(int code) {
        byte[] body = switch (code) {
            case 0x03 ->
                pick("SELECT 1", "SELECT ? ", "DO 1", "SHOW TABLES", "SET @fuzz = 1", "KILL (1)", "BEGIN")
                        .getBytes(StandardCharsets.US_ASCII);
            case 0x16 -> pick("SELECT ?", "SELECT ?, ?, ?", "DO ?", "SELECT 1").getBytes(StandardCharsets.US_ASCII);
            // Statement 1 (the first prepared), no cursor or a cursor, one iteration, NULL bitmap, types bound.
            case 0x17 -> new byte[] {1, 0, 0, 0, (byte) random.nextInt(2), 1, 0, 0, 0, 0, 1, 3, 0, 1, 0, 0, 0};
            case 0x18 -> new byte[] {1, 0, 0, 0, 0, 0, 'd', 'a', 't', 'a'};
            case 0x19, 0x1a -> new byte[] {(byte) random.nextInt(3), 0, 0, 0};
            case 0x1c -> new byte[] {1, 0, 0, 0, 5, 0, 0, 0};
            case 0x1b -> new byte[] {(byte) random.nextInt(2), 0};
            case 0x04 -> new byte[] {'t', 0, '%'};
            case 0x02 -> ReplicatedTestBed.APP_DATABASE.getBytes(StandardCharsets.US_ASCII);
            default -> randomBytes(random.nextInt(12));
        };
        if (random.nextBoolean() && body.length > 0) {
            return Arrays.copyOf(body, random.nextInt(body.length));
        }
        if (body.length > 0) {
            body[random.nextInt(body.length)] = (byte) random.nextInt(256);
        }
        return body;
    }

    private String pick(String... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private String sentByCommand() {
        StringBuilder out = new StringBuilder();
        for (int code = 0; code < sentByCommand.length; code++) {
            if (sentByCommand[code] > 0) {
                out.append(String.format("%02x:%d ", code, sentByCommand[code]));
            }
        }
        return out.toString().trim();
    }

    /** Another application's session the whole time: prepared and plain statements, each answer checked. */
    private static int bystander(ProxyFixture proxy, AtomicBoolean fuzzing) {
        int rounds = 0;
        try (Connection c = proxy.connect("useServerPrepStmts=true");
                PreparedStatement add = c.prepareStatement("SELECT 41 + ?")) {
            while (fuzzing.get() && rounds < 1_000_000) {
                add.setInt(1, rounds % 100);
                try (ResultSet rs = add.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(41 + rounds % 100, rs.getInt(1));
                }
                rounds++;
                Thread.sleep(5);
            }
        } catch (Exception e) {
            throw new AssertionError("the bystander session after " + rounds + " rounds", e);
        }
        return rounds;
    }
}

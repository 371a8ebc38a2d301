package io.mysqlproxy.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeds the proxy 100,000 random and mutated packets, before and after authentication, over
 * many connections: nothing may reach Netty's pipeline tail as an unhandled exception, nothing
 * may be logged as an error, no buffer may leak (the leak guard checks after the class), and a
 * normal client must be served afterwards.
 */
@ExtendWith(TestBedExtension.class)
class FuzzIT {

    private static final int PACKETS = 100_000;
    private static final long SEED = Long.getLong("fuzz.seed", 20261122L);
    /** Commands not to send to the shared servers even as garbage: KILL could hit other sessions. */
    private static final int COM_PROCESS_KILL = 0x0c;

    private static final int COM_SHUTDOWN = 0x08;

    private final Random random = new Random(SEED);

    @Test
    void survivesRandomAndMutatedPackets(ReplicatedTestBed bed) throws Exception {
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(events);
        try (ProxyFixture proxy = ProxyFixture.start(
                bed, ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.client.handshake-timeout = 2s")) {
            int sent = 0;
            int connections = 0;
            while (sent < PACKETS) {
                sent += random.nextInt(10) < 3 ? beforeAuthentication(proxy.port()) : afterAuthentication(proxy.port());
                connections++;
            }
            try (Connection c = proxy.connect(DbAccount.APP.user(), DbAccount.APP.password(), "");
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
            List<String> problems = new ArrayList<>();
            for (ILoggingEvent event : events.list) {
                String message = event.getFormattedMessage();
                if (event.getLevel().isGreaterOrEqual(Level.ERROR)
                        || message.contains("reached at the tail of the pipeline")) {
                    problems.add(event.getLevel() + " " + event.getLoggerName() + ": " + message);
                }
            }
            assertTrue(problems.isEmpty(), "seed " + SEED + ", " + connections + " connections: " + problems);
        } finally {
            root.detachAppender(events);
        }
    }

    /** Garbage or a mutated login instead of a handshake response. */
    private int beforeAuthentication(int port) throws IOException {
        try (RawClient client = new RawClient(port)) {
            client.greeting();
            return sendBurst(
                    client,
                    1 + random.nextInt(4),
                    i -> random.nextBoolean() ? randomPacket(1 + i) : mutate(loginTemplate(), 1 + i));
        }
    }

    /** A proper login, then a burst of random and mutated commands. */
    private int afterAuthentication(int port) throws IOException {
        try (RawClient client = new RawClient(port)) {
            if (client.login(DbAccount.APP.user(), DbAccount.APP.password(), ReplicatedTestBed.APP_DATABASE) != 0) {
                throw new AssertionError("the fuzz client could not log in");
            }
            return sendBurst(client, 1 + random.nextInt(100), i -> {
                byte[] packet = random.nextInt(3) == 0 ? randomPacket(0) : mutate(commandTemplate(), 0);
                int command = packet.length > 4 ? packet[4] & 0xff : -1;
                if (command == COM_PROCESS_KILL || command == COM_SHUTDOWN) {
                    packet[4] = 0x0e; // COM_PING instead
                }
                return packet;
            });
        }
    }

    /** Sends up to {@code count} packets without waiting, then drains; returns how many went out. */
    private static int sendBurst(RawClient client, int count, java.util.function.IntFunction<byte[]> packets)
            throws IOException {
        for (int i = 0; i < count; i++) {
            try {
                client.sendRaw(packets.apply(i));
            } catch (IOException closed) {
                return i + 1;
            }
        }
        client.drain(5);
        return count;
    }

    private byte[] randomPacket(int sequence) {
        int length = random.nextInt(10) == 0 ? random.nextInt(300) : random.nextInt(24);
        byte[] payload = new byte[length];
        random.nextBytes(payload);
        return RawClient.frame(sequence, payload);
    }

    private byte[] loginTemplate() {
        byte[] payload = new byte[64];
        random.nextBytes(payload);
        payload[0] = (byte) 0x8d; // PROTOCOL_41 and friends
        payload[1] = (byte) 0xa2;
        payload[2] = 0x0f;
        payload[3] = 0;
        byte[] user = "app\0".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(user, 0, payload, 32, user.length);
        payload[36] = 20;
        return payload;
    }

    private byte[] commandTemplate() {
        String[] queries = {"SELECT 1", "SELECT * FROM information_schema.tables LIMIT 3", "DO 1", "SHOW TABLES"};
        return switch (random.nextInt(6)) {
            case 0 ->
                concat(new byte[] {0x03}, queries[random.nextInt(queries.length)].getBytes(StandardCharsets.UTF_8));
            case 1 -> new byte[] {0x16, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '?'};
            case 2 -> new byte[] {0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 0, 1, 0, 0, 0};
            case 3 -> new byte[] {0x1c, 1, 0, 0, 0, 5, 0, 0, 0};
            case 4 -> new byte[] {0x04, 't', '\0'};
            default -> new byte[] {(byte) random.nextInt(0x20)};
        };
    }

    /** One to four mutations: a flipped, replaced, dropped or inserted byte, a wrong length or sequence id. */
    private byte[] mutate(byte[] payload, int sequence) {
        byte[] bytes = payload.clone();
        int declared = -1;
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            switch (random.nextInt(6)) {
                case 0 -> {
                    if (bytes.length > 0) bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
                case 1 -> {
                    if (bytes.length > 0) bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
                case 2 -> bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
                case 3 -> bytes = concat(bytes, new byte[] {(byte) random.nextInt(256)});
                case 4 ->
                    declared = random.nextBoolean() ? random.nextInt(0x1000000) : bytes.length + 1 + random.nextInt(8);
                default -> sequence = random.nextInt(256);
            }
        }
        byte[] frame = RawClient.frame(sequence, bytes);
        if (declared >= 0) {
            frame[0] = (byte) declared;
            frame[1] = (byte) (declared >> 8);
            frame[2] = (byte) (declared >> 16);
        }
        return frame;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

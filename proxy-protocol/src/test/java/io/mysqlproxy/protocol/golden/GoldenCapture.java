package io.mysqlproxy.protocol.golden;

import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.MariaDbCapability;
import io.mysqlproxy.protocol.packet.ComChangeUser;
import io.mysqlproxy.protocol.packet.HandshakeResponse41;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Regenerates the golden exchanges under {@code src/test/resources/golden} from a real MariaDB
 * server (and, for one file, real Connector/J): not a test, run by hand when the fixtures must
 * change, with {@code mvn -pl proxy-protocol test-compile exec:java} or from an IDE:
 * {@code GoldenCapture <output-dir> [file...]}, where the files named (all if none) are the ones
 * rewritten.
 *
 * <p>The capture reads server responses until the socket has been quiet for a while, so it does
 * not depend on the response tracker whose behaviour the golden tests check.
 */
public final class GoldenCapture {

    private static final int QUIET_MILLIS = 400;

    private final List<String> lines = new ArrayList<>();
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private GoldenCapture(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/golden");
        Files.createDirectories(dir);
        List<String> only = args.length > 1 ? List.of(args).subList(1, args.length) : List.of();
        try (ReplicatedTestBed bed = ReplicatedTestBed.start(0)) {
            String host = bed.primary().host();
            int port = bed.primary().port();
            try (Connection c = bed.primary().connect(DbAccount.ROOT, ReplicatedTestBed.APP_DATABASE);
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE golden (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(8,2),"
                        + " born DATE, data BLOB, note TEXT NULL)");
                s.execute("INSERT INTO golden VALUES (1, 'one', 1.50, '2001-02-03', x'00ff', NULL),"
                        + " (2, 'two', NULL, NULL, NULL, 'second row'), (3, 'three', 3.25, '1999-12-31', '', '')");
                s.execute("CREATE PROCEDURE two_results() BEGIN SELECT 1 AS a; SELECT 'x' AS b, 2 AS c; END");
                s.execute("SET GLOBAL local_infile = 1");
                s.execute(
                        "CREATE TABLE golden_ext (id INT PRIMARY KEY, doc JSON, addr INET6, u UUID, note VARCHAR(10))");
                s.execute("INSERT INTO golden_ext VALUES (1, '{\"k\": [1, 2]}', '::1',"
                        + " '123e4567-e89b-12d3-a456-426655440000', 'one'), (2, NULL, NULL, NULL, NULL)");
            }
            for (boolean deprecateEof : new boolean[] {true, false}) {
                String file = "mariadb-commands-deprecate-eof-" + (deprecateEof ? "on" : "off") + ".golden";
                if (only.isEmpty() || only.contains(file)) {
                    try (Socket socket = new Socket(host, port)) {
                        GoldenCapture capture = new GoldenCapture(socket);
                        capture.commandExchange(deprecateEof);
                        capture.write(
                                dir.resolve(file), "MariaDB " + bed.primary().toString());
                    }
                }
            }
            if (only.isEmpty() || only.contains(EXTENDED_METADATA_FILE)) {
                try (Socket socket = new Socket(host, port)) {
                    GoldenCapture capture = new GoldenCapture(socket);
                    capture.extendedMetadataExchange();
                    capture.write(
                            dir.resolve(EXTENDED_METADATA_FILE),
                            "MariaDB " + bed.primary().toString() + " with MARIADB_CLIENT_EXTENDED_METADATA");
                }
            }
            for (String[] connectorJ : new String[][] {
                {"sslMode=DISABLED", "connectorj-login.golden"}, {"sslMode=REQUIRED", "connectorj-ssl-request.golden"}
            }) {
                if (only.isEmpty() || only.contains(connectorJ[1])) {
                    captureConnectorJ(bed, dir, connectorJ[0], connectorJ[1]);
                }
            }
        }
    }

    static final String EXTENDED_METADATA_FILE = "mariadb-extended-metadata.golden";

    /**
     * A session that negotiated MariaDB's extended column metadata (and DEPRECATE_EOF): result sets,
     * a field list and prepared statements over columns whose extended type information is set
     * (JSON's format, INET6's and UUID's type names) and one whose is not, and a prepared EXPLAIN
     * executed twice.
     */
    private void extendedMetadataExchange() throws IOException {
        section("greeting");
        byte[] greetingBytes = readPacket();
        HandshakeV10 greeting = HandshakeV10.decode(Unpooled.wrappedBuffer(greetingBytes, 4, greetingBytes.length - 4));
        int capabilities = Capability.maskOf(
                        Capability.LONG_FLAG,
                        Capability.CONNECT_WITH_DB,
                        Capability.PROTOCOL_41,
                        Capability.TRANSACTIONS,
                        Capability.SECURE_CONNECTION,
                        Capability.MULTI_STATEMENTS,
                        Capability.MULTI_RESULTS,
                        Capability.PS_MULTI_RESULTS,
                        Capability.PLUGIN_AUTH,
                        Capability.CONNECT_ATTRS,
                        Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA,
                        Capability.SESSION_TRACK,
                        Capability.DEPRECATE_EOF)
                & greeting.capabilities();
        int mariaDbCapabilities = MariaDbCapability.EXTENDED_METADATA.mask() & greeting.mariaDbCapabilities();
        if (mariaDbCapabilities == 0) {
            throw new IllegalStateException("the server does not offer extended metadata: " + greeting);
        }
        section("handshake-response");
        sendClient(
                1,
                new HandshakeResponse41(
                                capabilities,
                                1 << 24,
                                45,
                                mariaDbCapabilities,
                                DbAccount.APP.user(),
                                NativePassword.scramble(DbAccount.APP.password(), greeting.scramble()),
                                "app",
                                "mysql_native_password",
                                Map.of("_client_name", "golden-capture"))
                        .toFrame(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, 1));
        section("auth-result");
        readQuiet();

        query("COM_QUERY select", "SELECT * FROM golden_ext ORDER BY id");
        query("COM_QUERY empty result", "SELECT doc FROM golden_ext WHERE id < 0");
        query("COM_QUERY expressions", "SELECT JSON_OBJECT('k', 1) AS j, 1 AS n");
        command("COM_FIELD_LIST", concat(new byte[] {0x04}, "golden_ext\0".getBytes(StandardCharsets.UTF_8)));

        byte[] prepare = readPrepared("COM_STMT_PREPARE", "SELECT doc, addr, u FROM golden_ext WHERE id = ?");
        int statementId = (prepare[5] & 0xff) | (prepare[6] & 0xff) << 8;
        command("COM_STMT_EXECUTE", execute(statementId, 0, 1));
        command("COM_STMT_CLOSE", concat(new byte[] {0x19}, le4(statementId)));
        byte[] explain = readPrepared("COM_STMT_PREPARE explain", "EXPLAIN SELECT * FROM golden_ext WHERE id = ?");
        int explainId = (explain[5] & 0xff) | (explain[6] & 0xff) << 8;
        command("COM_STMT_EXECUTE explain", execute(explainId, 0, 1));
        command("COM_STMT_EXECUTE explain again", execute(explainId, 0, 2));
        command("COM_STMT_CLOSE", concat(new byte[] {0x19}, le4(explainId)));
        command("COM_QUIT", new byte[] {0x01});
    }

    private void commandExchange(boolean deprecateEof) throws IOException {
        section("greeting");
        byte[] greetingBytes = readPacket();
        HandshakeV10 greeting = HandshakeV10.decode(Unpooled.wrappedBuffer(greetingBytes, 4, greetingBytes.length - 4));
        int capabilities = Capability.maskOf(
                        Capability.LONG_PASSWORD,
                        Capability.LONG_FLAG,
                        Capability.CONNECT_WITH_DB,
                        Capability.LOCAL_FILES,
                        Capability.PROTOCOL_41,
                        Capability.TRANSACTIONS,
                        Capability.SECURE_CONNECTION,
                        Capability.MULTI_STATEMENTS,
                        Capability.MULTI_RESULTS,
                        Capability.PS_MULTI_RESULTS,
                        Capability.PLUGIN_AUTH,
                        Capability.CONNECT_ATTRS,
                        Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA,
                        Capability.SESSION_TRACK)
                | (deprecateEof ? Capability.DEPRECATE_EOF.mask() : 0);
        capabilities &= greeting.capabilities();
        section("handshake-response");
        sendClient(
                1,
                new HandshakeResponse41(
                                capabilities,
                                1 << 24,
                                45,
                                0,
                                DbAccount.APP.user(),
                                NativePassword.scramble(DbAccount.APP.password(), greeting.scramble()),
                                "app",
                                "mysql_native_password",
                                Map.of("_client_name", "golden-capture"))
                        .toFrame(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, 1));
        section("auth-result");
        readQuiet();

        query("COM_QUERY select", "SELECT * FROM golden ORDER BY id");
        query("COM_QUERY empty result", "SELECT id FROM golden WHERE id < 0");
        query("COM_QUERY update", "UPDATE golden SET name = name WHERE id = 1");
        query("COM_QUERY error", "SELECT * FROM no_such_table");
        query("COM_QUERY warning", "SELECT CAST('1x' AS UNSIGNED)");
        query("COM_QUERY multi-statement", "SELECT 1; UPDATE golden SET note = note WHERE id = 0; SELECT 'b'");
        query("COM_QUERY call", "CALL two_results()");
        query("COM_QUERY set session variable", "SET SESSION sql_mode = 'ANSI_QUOTES'");

        command("COM_PING", new byte[] {0x0e});
        command("COM_INIT_DB", concat(new byte[] {0x02}, "app".getBytes(StandardCharsets.UTF_8)));
        command("COM_STATISTICS", new byte[] {0x09});
        command("COM_FIELD_LIST", concat(new byte[] {0x04}, "golden\0".getBytes(StandardCharsets.UTF_8)));
        command("COM_SET_OPTION", new byte[] {0x1b, 0x01, 0x00});
        command("COM_SET_OPTION", new byte[] {0x1b, 0x00, 0x00});

        // Prepared statements: prepare, execute without and with a cursor, fetch, reset, close.
        byte[] prepare = readPrepared("COM_STMT_PREPARE", "SELECT id, name FROM golden WHERE id > ?");
        int statementId = (prepare[5] & 0xff) | (prepare[6] & 0xff) << 8;
        command("COM_STMT_EXECUTE", execute(statementId, 0));
        command("COM_STMT_EXECUTE cursor", execute(statementId, 1));
        command("COM_STMT_FETCH", concat(new byte[] {0x1c}, le4(statementId), le4(2)));
        command("COM_STMT_FETCH", concat(new byte[] {0x1c}, le4(statementId), le4(2)));
        command(
                "COM_STMT_SEND_LONG_DATA",
                concat(new byte[] {0x18}, le4(statementId), new byte[] {0, 0}, "ab".getBytes(StandardCharsets.UTF_8)));
        command("COM_STMT_RESET", concat(new byte[] {0x1a}, le4(statementId)));
        command("COM_STMT_CLOSE", concat(new byte[] {0x19}, le4(statementId)));
        readPrepared("COM_STMT_PREPARE insert", "INSERT INTO golden (id, name) VALUES (?, ?)");
        command("COM_STMT_PREPARE error", concat(new byte[] {0x16}, "SELEC 1".getBytes(StandardCharsets.UTF_8)));

        section("COM_QUERY local infile");
        sendClient(
                0,
                frame(
                        0,
                        concat(
                                new byte[] {0x03},
                                "LOAD DATA LOCAL INFILE 'golden.csv' INTO TABLE golden (id, name)"
                                        .getBytes(StandardCharsets.UTF_8))));
        readQuiet();
        sendClient(2, frame(2, "10,ten\n11,eleven\n".getBytes(StandardCharsets.UTF_8)));
        sendClient(3, frame(3, new byte[0]));
        readQuiet();

        command("COM_RESET_CONNECTION", new byte[] {0x1f});
        section("COM_CHANGE_USER");
        sendClient(
                0,
                new ComChangeUser(
                                capabilities,
                                DbAccount.APP.user(),
                                NativePassword.scramble(DbAccount.APP.password(), greeting.scramble()),
                                "app",
                                45,
                                "mysql_native_password",
                                Map.of("_client_name", "golden-capture"))
                        .toFrame(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, 0));
        readQuiet();
        command("COM_QUIT", new byte[] {0x01});
    }

    /**
     * Captures Connector/J's own login through a recording relay; with TLS requested, the
     * capture ends at the SSL request, since what follows is TLS.
     */
    private static void captureConnectorJ(ReplicatedTestBed bed, Path dir, String properties, String file)
            throws Exception {
        try (ServerSocket relay = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread client = new Thread(() -> {
                String url = "jdbc:mysql://127.0.0.1:" + relay.getLocalPort() + "/app?" + properties
                        + "&connectTimeout=5000";
                try (Connection c = DriverManager.getConnection(url, DbAccount.APP.user(), DbAccount.APP.password())) {
                    c.isValid(2);
                } catch (Exception ignored) {
                    // The relay hangs up after the login; the driver's complaint is expected.
                }
            });
            client.start();
            try (Socket fromClient = relay.accept();
                    Socket toServer =
                            new Socket(bed.primary().host(), bed.primary().port())) {
                fromClient.setSoTimeout(QUIET_MILLIS);
                GoldenCapture server = new GoldenCapture(toServer);
                GoldenCapture clientSide = new GoldenCapture(fromClient);
                server.section("greeting");
                byte[] greeting = server.readPacket();
                boolean tls = properties.contains("REQUIRED");
                if (tls) {
                    // The test bed's MariaDB has no TLS: offer it to the client so that it sends its
                    // SSL request; the recorded greeting stays the server's own.
                    greeting = withSslOffered(greeting);
                }
                clientSide.out.write(greeting);
                server.section(tls ? "ssl-request" : "handshake-response");
                byte[] response = clientSide.readRaw();
                server.lines.add(line('C', response));
                if (!tls) {
                    server.out.write(response);
                    server.section("auth-result");
                    for (byte[] packet : server.readQuietRaw()) {
                        clientSide.out.write(packet);
                    }
                }
                server.write(dir.resolve(file), "Connector/J 9.7 to MariaDB (" + properties + ")");
            }
            client.join(10_000);
        }
    }

    private static byte[] withSslOffered(byte[] greetingFrame) {
        HandshakeV10 greeting = HandshakeV10.decode(Unpooled.wrappedBuffer(greetingFrame, 4, greetingFrame.length - 4));
        HandshakeV10 offering = new HandshakeV10(
                greeting.serverVersion(),
                greeting.connectionId(),
                greeting.authPluginData(),
                greeting.capabilities() | Capability.SSL.mask(),
                greeting.characterSet(),
                greeting.statusFlags(),
                greeting.mariaDbCapabilities(),
                greeting.authPluginName());
        ByteBuf frame = offering.toFrame(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, 0, 0);
        byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes);
        frame.release();
        return bytes;
    }

    // ---- packet I/O ----

    private void section(String name) {
        lines.add("= " + name);
    }

    private void query(String name, String sql) throws IOException {
        command(name, concat(new byte[] {0x03}, sql.getBytes(StandardCharsets.UTF_8)));
    }

    private void command(String name, byte[] payload) throws IOException {
        section(name);
        sendClient(0, frame(0, payload));
        readQuiet();
    }

    private byte[] readPrepared(String name, String sql) throws IOException {
        section(name);
        sendClient(0, frame(0, concat(new byte[] {0x16}, sql.getBytes(StandardCharsets.UTF_8))));
        List<byte[]> packets = readQuietRaw();
        return packets.get(0);
    }

    private void sendClient(int sequence, ByteBuf frame) throws IOException {
        byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes);
        frame.release();
        lines.add(line('C', bytes));
        out.write(bytes);
        out.flush();
    }

    private void readQuiet() throws IOException {
        readQuietRaw();
    }

    private List<byte[]> readQuietRaw() throws IOException {
        socket.setSoTimeout(QUIET_MILLIS);
        List<byte[]> packets = new ArrayList<>();
        while (true) {
            byte[] packet;
            try {
                packet = readPacket();
            } catch (SocketTimeoutException e) {
                return packets;
            } catch (java.io.EOFException e) {
                return packets;
            }
            packets.add(packet);
        }
    }

    private byte[] readPacket() throws IOException {
        byte[] packet = readRaw();
        lines.add(line('S', packet));
        return packet;
    }

    private byte[] readRaw() throws IOException {
        byte[] header = in.readNBytes(4);
        if (header.length < 4) {
            throw new java.io.EOFException();
        }
        int length = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16;
        byte[] payload = in.readNBytes(length);
        return concat(header, payload);
    }

    private void write(Path file, String source) throws IOException {
        List<String> out = new ArrayList<>();
        out.add("# Captured from " + source + " by GoldenCapture; each line: direction (C client, S server),");
        out.add("# sequence id, payload hex. '= name' starts a section: one command and its response.");
        out.addAll(lines);
        Files.write(file, out);
    }

    private static String line(char direction, byte[] frame) {
        return direction + " " + String.format("%02x", frame[3] & 0xff) + " "
                + HexFormat.of().formatHex(frame, 4, frame.length);
    }

    private static ByteBuf frame(int sequence, byte[] payload) {
        ByteBuf buf = Unpooled.buffer(payload.length + 4);
        buf.writeMediumLE(payload.length).writeByte(sequence).writeBytes(payload);
        return buf;
    }

    private static byte[] execute(int statementId, int flags) {
        return execute(statementId, flags, 0);
    }

    private static byte[] execute(int statementId, int flags, int parameter) {
        // One INT parameter, typed (MYSQL_TYPE_LONG).
        return concat(
                new byte[] {0x17},
                le4(statementId),
                new byte[] {(byte) flags},
                le4(1),
                new byte[] {0x00, 0x01, 0x03, 0x00},
                le4(parameter));
    }

    private static byte[] le4(int value) {
        return new byte[] {(byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24)};
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int offset = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, offset, part.length);
            offset += part.length;
        }
        return out;
    }
}

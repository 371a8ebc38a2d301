package io.mysqlproxy.app;

import io.mysqlproxy.protocol.auth.CachingSha2Password;
import io.mysqlproxy.protocol.auth.NativePassword;
import io.mysqlproxy.protocol.flag.Capability;
import io.mysqlproxy.protocol.flag.CommandType;
import io.mysqlproxy.protocol.packet.HandshakeResponse41;
import io.mysqlproxy.protocol.packet.HandshakeV10;
import io.mysqlproxy.protocol.result.ResponseTracker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A bare-socket MySQL client for tests that must send bytes no driver would. */
final class RawClient implements AutoCloseable {

    static final int CAPABILITIES = Capability.maskOf(
            Capability.LONG_PASSWORD,
            Capability.LONG_FLAG,
            Capability.CONNECT_WITH_DB,
            Capability.PROTOCOL_41,
            Capability.TRANSACTIONS,
            Capability.SECURE_CONNECTION,
            Capability.MULTI_STATEMENTS,
            Capability.MULTI_RESULTS,
            Capability.PS_MULTI_RESULTS,
            Capability.PLUGIN_AUTH,
            Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA,
            Capability.DEPRECATE_EOF);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private HandshakeV10 greeting;

    RawClient(int port) throws IOException {
        this(port, "127.0.0.1");
    }

    /** Connects from {@code localAddress} (any of 127.0.0.0/8), so that the proxy sees that client address. */
    RawClient(int port, String localAddress) throws IOException {
        socket = new Socket(
                java.net.InetAddress.getLoopbackAddress(), port, java.net.InetAddress.getByName(localAddress), 0);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** How long a read may wait for the peer before it fails with a SocketTimeoutException. */
    void timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Reads one packet's payload (sequence id in {@code [0]} of the returned pair's header), or null at EOF. */
    byte[] readFrame() throws IOException {
        byte[] header = in.readNBytes(4);
        if (header.length < 4) {
            return null;
        }
        int length = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16;
        byte[] frame = new byte[length + 4];
        System.arraycopy(header, 0, frame, 0, 4);
        int read = in.readNBytes(frame, 4, length);
        return read < length ? null : frame;
    }

    HandshakeV10 greeting() throws IOException {
        byte[] frame = readFrame();
        if (frame == null) {
            throw new IOException("no greeting");
        }
        greeting = HandshakeV10.decode(Unpooled.wrappedBuffer(frame, 4, frame.length - 4));
        return greeting;
    }

    /** Logs in with mysql_native_password; returns the first payload byte of the answer (0x00 on success). */
    int login(String user, String password, String database) throws IOException {
        return login(user, password, database, 0);
    }

    /**
     * As {@link #login(String, String, String)}, with MariaDB's extended capability word set to
     * {@code mariaDbCapabilities} as given, even bits the greeting did not offer (CLIENT_MYSQL is
     * cleared when the greeting clears it, so a MariaDB server reads the word). {@link #lastGreeting}
     * is the greeting read.
     */
    int login(String user, String password, String database, int mariaDbCapabilities) throws IOException {
        this.greeting = greeting();
        return loginAfterGreeting(user, password, database, mariaDbCapabilities);
    }

    /** As {@link #login(String, String, String)}, the greeting having been read by {@link #greeting()}. */
    int loginAfterGreeting(String user, String password, String database) throws IOException {
        return loginAfterGreeting(user, password, database, 0);
    }

    private int loginAfterGreeting(String user, String password, String database, int mariaDbCapabilities)
            throws IOException {
        HandshakeV10 greeting = this.greeting;
        ByteBuf frame = new HandshakeResponse41(
                        CAPABILITIES & greeting.capabilities(),
                        1 << 24,
                        45,
                        mariaDbCapabilities,
                        user,
                        NativePassword.scramble(password, greeting.scramble()),
                        database,
                        "mysql_native_password",
                        null)
                .toFrame(UnpooledByteBufAllocator.DEFAULT, 1);
        send(frame);
        byte[] answer = readFrame();
        return answer == null || answer.length < 5 ? -1 : answer[4] & 0xff;
    }

    /**
     * Logs in with caching_sha2_password's fast path, which works once the server has cached the
     * account's password (after any full login since it started); returns the first payload byte of
     * the final answer (0x00 on success), or -1 if the server asked for the full exchange.
     */
    int loginCachingSha2(String user, String password, String database) throws IOException {
        HandshakeV10 greeting = greeting();
        send(new HandshakeResponse41(
                        CAPABILITIES & greeting.capabilities(),
                        1 << 24,
                        45,
                        0,
                        user,
                        CachingSha2Password.scramble(password, greeting.scramble()),
                        database,
                        "caching_sha2_password",
                        null)
                .toFrame(UnpooledByteBufAllocator.DEFAULT, 1));
        byte[] answer = readFrame();
        if (answer == null || answer.length < 6) {
            return -1;
        }
        if ((answer[4] & 0xff) != 0x01) {
            return answer[4] & 0xff;
        }
        // Auth-more-data: 0x03 is "fast auth succeeded" (the OK follows), 0x04 asks for the full exchange.
        if (answer[5] != 0x03) {
            return -1;
        }
        byte[] ok = readFrame();
        return ok == null || ok.length < 5 ? -1 : ok[4] & 0xff;
    }

    /** The greeting the last {@link #login} answered. */
    HandshakeV10 lastGreeting() {
        return greeting;
    }

    /**
     * Sends {@code payload} as a command (sequence id 0) and reads its whole response, each packet's
     * payload as the server sent it; the response's end is found as the proxy finds it, with
     * DEPRECATE_EOF as {@link #CAPABILITIES} asks for it.
     */
    List<byte[]> command(byte[] payload) throws IOException {
        sendRaw(frame(0, payload));
        ResponseTracker tracker = new ResponseTracker(true);
        tracker.begin(CommandType.of(payload[0] & 0xff));
        List<byte[]> packets = new ArrayList<>();
        ResponseTracker.Progress progress = ResponseTracker.Progress.MORE;
        while (progress == ResponseTracker.Progress.MORE) {
            byte[] frame = readFrame();
            if (frame == null) {
                throw new IOException("connection closed mid-response after " + packets.size() + " packets");
            }
            progress = tracker.onPacket(Unpooled.wrappedBuffer(frame), 4, frame.length - 4);
            packets.add(Arrays.copyOfRange(frame, 4, frame.length));
        }
        return packets;
    }

    void send(ByteBuf frame) throws IOException {
        try {
            byte[] bytes = new byte[frame.readableBytes()];
            frame.readBytes(bytes);
            out.write(bytes);
            out.flush();
        } finally {
            frame.release();
        }
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads and drops whatever arrives until the peer closes or is quiet for {@code quietMillis}. */
    boolean drain(int quietMillis) throws IOException {
        socket.setSoTimeout(quietMillis);
        byte[] buffer = new byte[8192];
        try {
            while (true) {
                if (in.read(buffer) < 0) {
                    return false;
                }
            }
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A physical packet around {@code payload}, as raw bytes to send with {@link #sendRaw}. */
    static byte[] frame(int sequence, byte[] payload) {
        byte[] frame = new byte[payload.length + 4];
        frame[0] = (byte) payload.length;
        frame[1] = (byte) (payload.length >> 8);
        frame[2] = (byte) (payload.length >> 16);
        frame[3] = (byte) sequence;
        System.arraycopy(payload, 0, frame, 4, payload.length);
        return frame;
    }

    /** Reads an ERR packet (with error {@code code}, unless -1), then expects the connection to close. */
    void expectErrorThenClose(int code) throws IOException {
        byte[] error = readFrame();
        org.junit.jupiter.api.Assertions.assertNotNull(error, "an error packet before the close");
        org.junit.jupiter.api.Assertions.assertEquals(0xff, error[4] & 0xff, "an ERR packet");
        if (code >= 0) {
            org.junit.jupiter.api.Assertions.assertEquals(
                    code,
                    (error[5] & 0xff) | (error[6] & 0xff) << 8,
                    new String(error, 7, error.length - 7, java.nio.charset.StandardCharsets.UTF_8));
        }
        org.junit.jupiter.api.Assertions.assertNull(readFrame(), "the connection is closed after the error");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

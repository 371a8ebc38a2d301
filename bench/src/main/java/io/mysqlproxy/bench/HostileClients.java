package io.mysqlproxy.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hostile half of bench/hostile.sh: N connections that never log in, each reading the greeting
 * and then sending the header of a 16 MiB handshake response and as much of its body as the server
 * takes, over and over for a while. A line on stdout at the end, for the script:
 *
 * <pre>
 * DONE connections=C refused1153=R most_bytes_taken=M failed_connects=F
 * </pre>
 *
 * {@code most_bytes_taken} is the most one connection got written before the server closed it
 * (what the kernel buffers took included); {@code refused1153} counts the connections that read
 * error 1153 (a reset may overtake it).
 *
 * <p>Usage: {@code HostileClients --port P [--connections 50] [--seconds 20]}. Loopback only.
 */
public final class HostileClients {

    private static final int HEADER_PAYLOAD = 0xffffff;
    private static final int CHUNK = 64 * 1024;

    private final int port;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong mostTaken = new AtomicLong();
    private final AtomicLong failedConnects = new AtomicLong();

    private HostileClients(int port) {
        this.port = port;
    }

    public static void main(String[] args) throws Exception {
        int port = -1;
        int count = 50;
        int seconds = 20;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--connections" -> count = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (port <= 0) {
            throw new IllegalArgumentException("--port is required");
        }
        HostileClients clients = new HostileClients(port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService threads = Executors.newFixedThreadPool(count);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            running.add(threads.submit(() -> clients.floodUntil(deadline)));
        }
        for (Future<?> f : running) {
            f.get(seconds + 120L, TimeUnit.SECONDS);
        }
        threads.shutdown();
        System.out.printf(
                "DONE connections=%d refused1153=%d most_bytes_taken=%d failed_connects=%d%n",
                clients.connections.get(),
                clients.refused.get(),
                clients.mostTaken.get(),
                clients.failedConnects.get());
    }

    private void floodUntil(long deadline) {
        while (System.nanoTime() - deadline < 0) {
            try {
                floodOnce();
            } catch (IOException e) {
                failedConnects.incrementAndGet();
            }
        }
    }

    private void floodOnce() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            if (readPacket(in) == null) {
                throw new IOException("no greeting");
            }
            connections.incrementAndGet();
            byte[] chunk = new byte[CHUNK];
            long taken = 0;
            try {
                out.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 1});
                taken = 4;
                while (taken < HEADER_PAYLOAD + 4L) {
                    out.write(chunk);
                    taken += chunk.length;
                }
            } catch (IOException closed) {
                // The server stopped taking bytes: what was written so far is what it took.
            }
            mostTaken.accumulateAndGet(taken, Math::max);
            try {
                byte[] answer = readPacket(in);
                if (answer != null
                        && (answer[4] & 0xff) == 0xff
                        && ((answer[5] & 0xff) | (answer[6] & 0xff) << 8) == 1153) {
                    refused.incrementAndGet();
                }
            } catch (SocketTimeoutException | java.net.SocketException reset) {
                // A reset after the refusal may discard the error packet.
            }
        }
    }

    /** One packet, header included, or null at end of stream. */
    private static byte[] readPacket(InputStream in) throws IOException {
        byte[] header = in.readNBytes(4);
        if (header.length < 4) {
            return null;
        }
        int length = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16;
        byte[] packet = new byte[length + 4];
        System.arraycopy(header, 0, packet, 0, 4);
        return in.readNBytes(packet, 4, length) < length ? null : packet;
    }
}

package io.mysqlproxy.testbed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for servers the tests start, chosen below the kernel's ephemeral range.
 * A port from {@code new ServerSocket(0)} is ephemeral: between picking it and the server
 * binding it (or binding it again after a restart), any outgoing connection — a replica's, a JDBC
 * client's — may take it. Ports below the range are never handed out to outgoing connections.
 * A port is handed out at most once per JVM, so that two picks in a row (a proxy's port and its
 * admin port, before either is bound) never collide.
 */
public final class LoopbackPorts {

    private static final int LOWEST = 20000;
    private static final int ATTEMPTS = 500;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {}

    /** A port on 127.0.0.1 that was free a moment ago; callers still retry on a bind conflict. */
    public static int free() {
        int limit = Math.max(LOWEST + 1000, ephemeralRangeStart());
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int candidate = ThreadLocalRandom.current().nextInt(LOWEST, limit);
            if (HANDED_OUT.contains(candidate)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(TestBedServer.HOST, candidate));
            } catch (IOException taken) {
                continue;
            }
            if (HANDED_OUT.add(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free loopback port between " + LOWEST + " and " + limit);
    }

    private static int ephemeralRangeStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}

package io.mysqlproxy.app;

import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a client that has not logged in can do (issue 19): send no packet over
 * client.max-packet-before-login, hold no more than its share of the handshake places, and log in
 * without TLS only when TLS is not required.
 */
@ExtendWith(TestBedExtension.class)
class PreLoginLimitsIT {

    private static final int FLOODERS = 50;
    private static final int ROUNDS = 5;
    private static final int SIXTEEN_MIB = 16 * 1024 * 1024;

    /**
     * 50 connections each declare a 16 MiB handshake response and send what the proxy takes: each
     * gets 1153 after its header and is closed long before 16 MiB, while logins and statements of
     * other clients go on; after login a 1 MiB packet passes (the cap is max-allowed-packet again).
     */
    @Test
    void oversizedPacketsBeforeLoginAreRefusedWhileOthersLogIn(ReplicatedTestBed bed) throws Exception {
        ExecutorService flood = Executors.newFixedThreadPool(FLOODERS);
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP)) {
            List<Future<Long>> sent = new ArrayList<>();
            for (int i = 0; i < FLOODERS; i++) {
                sent.add(flood.submit(() -> {
                    long most = 0;
                    for (int round = 0; round < ROUNDS; round++) {
                        most = Math.max(most, floodOnce(proxy.port()));
                    }
                    return most;
                }));
            }
            int logins = 0;
            while (sent.stream().anyMatch(f -> !f.isDone()) || logins < 3) {
                try (Connection c = proxy.connect("");
                        Statement s = c.createStatement();
                        ResultSet r = s.executeQuery("SELECT 1")) {
                    assertTrue(r.next());
                    logins++;
                }
                assertTrue(logins < 10_000, "the flood ends");
            }
            for (Future<Long> f : sent) {
                long bytes = f.get(60, TimeUnit.SECONDS);
                assertTrue(bytes < SIXTEEN_MIB, "closed before the body was all sent: " + bytes + " bytes went out");
            }

            try (Connection c = proxy.connect("");
                    PreparedStatement length = c.prepareStatement("SELECT LENGTH(?)")) {
                length.setString(1, "x".repeat(1024 * 1024));
                try (ResultSet r = length.executeQuery()) {
                    assertTrue(r.next());
                    assertEquals(1024 * 1024, r.getInt(1), "after login the cap is max-allowed-packet");
                }
            }
        } finally {
            flood.shutdownNow();
        }
    }

    /** One hostile connection: reads the greeting, sends a 16 MiB header, then the body until refused. */
    private static long floodOnce(int port) throws IOException {
        try (RawClient client = new RawClient(port)) {
            client.greeting();
            // A 16 MiB - 1 header and the body's first bytes, in one write: what the proxy reads before
            // it refuses. (More in flight as it closes would make its TCP answer a reset, which may
            // overtake the error.)
            byte[] start = new byte[4 + 1000];
            start[0] = (byte) 0xff;
            start[1] = (byte) 0xff;
            start[2] = (byte) 0xff;
            start[3] = 1;
            client.sendRaw(start);
            client.expectErrorThenClose(1153);
            byte[] chunk = new byte[64 * 1024];
            long sent = start.length;
            try {
                while (sent < SIXTEEN_MIB) {
                    client.sendRaw(chunk);
                    sent += chunk.length;
                }
            } catch (IOException closed) {
                // What the proxy did not take.
            }
            return sent;
        }
    }

    /**
     * Three places in the handshake in all, two per address: the third client from one address and
     * the fourth overall get 1040 instead of a greeting; a client that logs in gives its place back.
     */
    @Test
    void connectionsInTheHandshakeAreLimitedPerAddressAndInAll(ReplicatedTestBed bed) throws Exception {
        List<RawClient> clients = new ArrayList<>();
        try (ProxyFixture proxy = ProxyFixture.start(
                bed,
                ProxyFixture.NATIVE_PASSWORD_APP
                        + "\nmysql-proxy.client { max-handshakes = 3, max-handshakes-per-address = 2 }")) {
            // One after the other: each is greeted, or refused, before the next connects.
            RawClient first = connect(clients, proxy, "127.0.0.1");
            first.greeting();
            connect(clients, proxy, "127.0.0.1").greeting();
            connect(clients, proxy, "127.0.0.1").expectErrorThenClose(1040);
            connect(clients, proxy, "127.0.0.2").greeting();
            connect(clients, proxy, "127.0.0.3").expectErrorThenClose(1040);

            // Authenticated, the first gives its place back: its address may start one more handshake.
            assertEquals(0x00, first.loginAfterGreeting(DbAccount.APP.user(), DbAccount.APP.password(), "app"));
            assertEquals(
                    0x00,
                    connect(clients, proxy, "127.0.0.1").login(DbAccount.APP.user(), DbAccount.APP.password(), "app"));
            String metrics = proxy.admin("/metrics");
            assertTrue(metrics.contains("mysqlproxy_handshakes_refused_total{limit=\"address\"} 1.0"), metrics);
            assertTrue(metrics.contains("mysqlproxy_handshakes_refused_total{limit=\"total\"} 1.0"), metrics);
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    private static RawClient connect(List<RawClient> clients, ProxyFixture proxy, String from) throws IOException {
        RawClient client = new RawClient(proxy.port(), from);
        clients.add(client);
        return client;
    }

    /** As MySQL's require_secure_transport: a login without TLS gets 3159, one with TLS gets in. */
    @Test
    void requireSecureTransportRefusesLoginsWithoutTls(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(
                bed, ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.client.tls.require-secure-transport = true")) {
            SQLException refused = assertThrows(
                    SQLException.class, () -> proxy.connect("sslMode=DISABLED").close());
            assertEquals(3159, refused.getErrorCode(), refused.getMessage());
            assertEquals("HY000", refused.getSQLState());
            try (Connection c = proxy.connect("sslMode=REQUIRED");
                    Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT 1")) {
                assertTrue(r.next());
            }
        }
    }

    /** Only the configured TLS versions are offered: a client that only speaks another one cannot connect. */
    @Test
    void onlyTheConfiguredTlsVersionsAreOffered(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(
                bed, ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.client.tls.protocols = [\"TLSv1.3\"]")) {
            assertThrows(
                    SQLException.class,
                    () -> proxy.connect("sslMode=REQUIRED&tlsVersions=TLSv1.2").close());
            try (Connection c = proxy.connect("sslMode=REQUIRED&tlsVersions=TLSv1.3")) {
                assertTrue(c.isValid(5));
            }
        }
    }
}

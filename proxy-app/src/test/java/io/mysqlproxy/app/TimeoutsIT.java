package io.mysqlproxy.app;

import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.ServerFlavour;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that stalls in the handshake is told why and disconnected in time; one that idles after
 * login is disconnected as its server would do it (see {@link WaitTimeoutIT}).
 */
@ExtendWith(TestBedExtension.class)
class TimeoutsIT {

    @Test
    void silentClientIsDisconnectedAfterTheHandshakeTimeout(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bed, "mysql-proxy.client.handshake-timeout = 1s");
                RawClient client = new RawClient(proxy.port())) {
            client.greeting();
            long start = System.nanoTime();
            client.expectErrorThenClose(1043);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 800 && millis < 5000, "after about a second, not " + millis + " ms");
        }
    }

    @Test
    void idleClientIsDisconnectedAfterTheIdleTimeout(ReplicatedTestBed bed) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(
                        bed, ProxyFixture.NATIVE_PASSWORD_APP + "\nmysql-proxy.client.idle-timeout = 2s");
                RawClient client = new RawClient(proxy.port())) {
            assertEquals(0x00, client.login(DbAccount.APP.user(), DbAccount.APP.password(), "app"));
            // A query that runs longer than the idle timeout is not idleness.
            client.sendRaw(RawClient.frame(0, "\u0003SELECT SLEEP(3)".getBytes(StandardCharsets.US_ASCII)));
            byte[] first = client.readFrame();
            assertNotNull(first);
            assertEquals(1, first[4], "one column: the query ran to its end");
            while (true) {
                byte[] packet = client.readFrame();
                assertNotNull(packet, "connection closed during the query");
                if ((packet[4] & 0xff) == 0xfe && packet.length < 4 + 0xffffff) {
                    break;
                }
            }
            long start = System.nanoTime();
            if (bed.flavour() == ServerFlavour.MARIADB) {
                // MariaDB closes an idle client without a packet (its own 4031 is another error); so does the proxy.
                assertNull(client.readFrame(), "closed without a packet");
            } else {
                // MySQL 8.0.24+: ER_CLIENT_INTERACTION_TIMEOUT, numbered 0 as the first packet of an exchange.
                byte[] error = client.readFrame();
                assertNotNull(error, "an error before the close");
                assertEquals(0, error[3], "sequence id 0");
                assertEquals(0xff, error[4] & 0xff, "an ERR packet");
                assertEquals(4031, (error[5] & 0xff) | (error[6] & 0xff) << 8);
                assertNull(client.readFrame(), "closed after the error");
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            // Idleness counts from the end of the last command, as MySQL's wait_timeout does.
            assertTrue(millis >= 1500 && millis < 5000, "about 2 s after the query ended, not " + millis + " ms");
        }
    }
}

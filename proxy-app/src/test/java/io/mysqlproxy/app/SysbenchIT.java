package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * sysbench oltp_read_write with prepared statements, 30 s through the proxy: no error but InnoDB
 * deadlocks (which the server itself picks among concurrent transactions and sysbench retries)
 * and no reconnect; any other error ends sysbench with a non-zero exit code.
 */
@ExtendWith(TestBedExtension.class)
class SysbenchIT {

    @Test
    void oltpReadWriteWithPreparedStatementsHasNoErrors(ReplicatedTestBed bed) throws Exception {
        assumeTrue(Sysbench.installed(), "sysbench is not installed (scripts/debian-packages.sh installs it)");
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP)) {
            // Only InnoDB deadlocks, the server's own answer to concurrent transactions, may be retried.
            Sysbench sysbench = new Sysbench(
                    "oltp_read_write",
                    "--tables=4",
                    "--table-size=10000",
                    "--db-ps-mode=auto",
                    "--mysql-ignore-errors=1213");
            sysbench.run(proxy.port(), "cleanup");
            sysbench.run(proxy.port(), "prepare");
            String output = sysbench.run(proxy.port(), "run", "--threads=4", "--time=30", "--report-interval=0");
            long transactions = Sysbench.number(output, "transactions:\\s+(\\d+)");
            assertTrue(transactions > 100, "too few transactions: " + output);
            assertEquals(0, Sysbench.number(output, "reconnects:\\s+(\\d+)"), output);
            sysbench.run(proxy.port(), "cleanup");
        }
    }
}

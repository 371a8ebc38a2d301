package io.mysqlproxy.app;

import io.mysqlproxy.testbed.DbAccount;
import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    private static final String SYSBENCH = "/usr/bin/sysbench";

    @Test
    void oltpReadWriteWithPreparedStatementsHasNoErrors(ReplicatedTestBed bed) throws Exception {
        assumeTrue(new File(SYSBENCH).canExecute(), "sysbench is not installed (scripts/debian-packages.sh installs it)");
        try (ProxyFixture proxy = ProxyFixture.start(bed, ProxyFixture.NATIVE_PASSWORD_APP)) {
            List<String> common = List.of("--mysql-host=127.0.0.1", "--mysql-user=" + DbAccount.APP.user(),
                    "--mysql-password=" + DbAccount.APP.password(), "--mysql-db=" + ReplicatedTestBed.APP_DATABASE,
                    "--tables=4", "--table-size=10000", "--db-ps-mode=auto", "--mysql-ssl=off",
                    // Only InnoDB deadlocks, the server's own answer to concurrent transactions, may be retried.
                    "--mysql-ignore-errors=1213");
            run(common, proxy.port(), "oltp_read_write", "cleanup");
            run(common, proxy.port(), "oltp_read_write", "prepare");
            String output = run(common, proxy.port(), "oltp_read_write", "run", "--threads=4", "--time=30",
                    "--report-interval=0");
            long transactions = number(output, "transactions:\\s+(\\d+)");
            assertTrue(transactions > 100, "too few transactions: " + output);
            assertEquals(0, number(output, "reconnects:\\s+(\\d+)"), output);
            run(common, proxy.port(), "oltp_read_write", "cleanup");
        }
    }

    private static String run(List<String> common, int port, String test, String command, String... extra)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(SYSBENCH, test));
        args.addAll(common);
        args.add("--mysql-port=" + port);
        args.addAll(List.of(extra));
        args.add(command);
        Path out = Files.createTempFile("sysbench", ".log");
        try {
            Process process = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("sysbench " + command + " did not finish: " + Files.readString(out));
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), "sysbench " + command + " failed:\n" + output);
            return output;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static long number(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        assertTrue(m.find(), "no '" + regex + "' in sysbench output:\n" + output);
        return Long.parseLong(m.group(1));
    }
}
